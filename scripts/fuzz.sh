#!/usr/bin/env bash
# Long libFuzzer runs arrive with the fuzz harnesses.
echo "fuzz: not implemented yet: fuzz harnesses" >&2
exit 1
