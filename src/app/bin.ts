#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { runCli } from '../cli/program.ts';
import { installTerminalOutput } from '../cli/terminal-output.ts';
import { cliParts } from './cli-parts.ts';

// The `kratos-sync` command's entry point: it sits in app/ because it hands the commands the parts app/
// assembles (cli-parts.ts, each loaded only when a command uses it).
// A command loads about a thousand modules; Node's on-disk compile cache (in the OS temp folder; nothing
// but compiled code) saves compiling them again on every start. NODE_DISABLE_COMPILE_CACHE=1 turns it off,
// and where the folder cannot be written Node simply runs without it.
enableCompileCache();
installTerminalOutput();
process.exitCode = await runCli(process.argv, cliParts);
