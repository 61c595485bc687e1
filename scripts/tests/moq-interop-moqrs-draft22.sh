#!/usr/bin/env bash
# Interop with moq-rs at draft-22 (ALPN moqt-22): the cases of moq-interop-moqrs.sh with our moq-pub
# (client and --listen server) and moq-sub pinned to --draft 22. moq-rs offers every draft it knows,
# so our choice decides; each case checks our tools logged a draft-22 session.
MOQRS_DRAFT=22 exec bash "$(dirname "$0")/moq-interop-moqrs.sh"
