// socketeer/dev: the local gateway (being built: issue 4).
export {}
