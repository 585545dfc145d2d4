#!/bin/sh
# Runs the CLI suite (tests/cli/*.bats) as one TAP stream.
exec bats --tap "${PFAN_SRCDIR:-.}/tests/cli"
