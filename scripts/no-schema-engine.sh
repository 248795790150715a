#!/bin/sh
# Stand-in for Prisma's native schema engine where it cannot be downloaded.
# `prisma generate` never runs it; any command that does (migrate/db push/pull) fails loudly.
echo "schema-engine is not available on this machine; use 'npm run db:migrate' to apply prisma/migrations" >&2
exit 1
