#!/usr/bin/env node
/**
 * The `payout` executable: parse, run one command, exit with the contract's code.
 *
 * Stage cli/: may import commands, pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));
