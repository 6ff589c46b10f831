// socketeer/cdk: the WebSocketApi construct (being built: issue 6).
export {}
