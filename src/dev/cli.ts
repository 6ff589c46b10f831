#!/usr/bin/env node
// socketeer CLI (being built: issue 4).
export {}
