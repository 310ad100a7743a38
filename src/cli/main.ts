#!/usr/bin/env node
/**
 * The `payout` executable: parse, run one command, exit with the contract's code.
 */
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));
