"""The chat example's @connections endpoint as a Python backend sees it (boto3).

Usage: boto3_client.py ENDPOINT LIVE_ID NEVER_ID WRONG_STAGE_ENDPOINT
Prints one JSON object: what each call returned or which typed exception it raised.
"""
import json
import sys

import boto3

endpoint, live, never, wrong_stage = sys.argv[1:5]


def client_for(url):
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def outcome(call):
    """The typed exception's class name, as boto3 modelled it, or 'ok'."""
    try:
        call()
        return "ok"
    except (client.exceptions.GoneException, client.exceptions.ForbiddenException,
            client.exceptions.PayloadTooLargeException) as e:
        return type(e).__name__
    except Exception as e:  # an untyped error is a failure the test reports verbatim
        return "untyped %s: %s" % (type(e).__name__, e)


client = client_for(endpoint)
out = {}
client.post_to_connection(ConnectionId=live, Data="hello from boto3 ✓".encode("utf-8"))
info = client.get_connection(ConnectionId=live)
out["connectedAtType"] = type(info["ConnectedAt"]).__name__
out["lastActiveAtType"] = type(info["LastActiveAt"]).__name__
out["connectedAt"] = info["ConnectedAt"].timestamp()
out["identity"] = info["Identity"]
out["goneOnPost"] = outcome(lambda: client.post_to_connection(ConnectionId=never, Data=b"x"))
out["goneOnGet"] = outcome(lambda: client.get_connection(ConnectionId=never))
out["tooLarge"] = outcome(lambda: client.post_to_connection(ConnectionId=live, Data=b"x" * (128 * 1024 + 1)))
out["wrongStage"] = outcome(lambda: client_for(wrong_stage).post_to_connection(ConnectionId=live, Data=b"x"))
print(json.dumps(out))
