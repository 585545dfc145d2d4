#!/bin/sh
# Runs the SSH suite (tests/ssh/*.bats) as one TAP stream.
exec bats --tap "${PFAN_SRCDIR:-.}/tests/ssh"
