import v8 from "node:v8";

/**
 * Imported first by main.ts, before the Prisma client loads its WebAssembly query compiler.
 *
 * V8 compiles WebAssembly twice: at once with its baseline compiler (Liftoff), then again, on
 * background threads, with its optimising one. For Prisma's query compiler the second pass costs
 * about 50 MB of resident memory for the life of the process (malloc arenas of those threads; a
 * boot measured 200 MB with it, 150 MB without) and buys little: the hot paths send their
 * statements through pg itself, and Prisma compiles a query's plan once per shape. The flag is
 * refused in NODE_OPTIONS, so it is set here, before any WebAssembly is compiled.
 */
v8.setFlagsFromString("--liftoff-only");
