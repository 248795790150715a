#!/usr/bin/env node
// The command: runs the compiled CLI (`npm run build` in this package makes dist/).
import "../dist/cli.js";
