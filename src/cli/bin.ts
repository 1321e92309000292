#!/usr/bin/env node
import { runCli } from './program.ts';
import { installTerminalOutput } from './terminal-output.ts';

installTerminalOutput();
process.exitCode = await runCli(process.argv);
