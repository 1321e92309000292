#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { runCli } from './program.ts';
import { installTerminalOutput } from './terminal-output.ts';

// A command loads about a thousand modules; Node's on-disk compile cache (in the OS temp folder; nothing
// but compiled code) saves compiling them again on every start. NODE_DISABLE_COMPILE_CACHE=1 turns it off,
// and where the folder cannot be written Node simply runs without it.
enableCompileCache();
installTerminalOutput();
process.exitCode = await runCli(process.argv);
