// The Python side of a worker, as a string so that only dist/ ships (no .py file to
// find at run time). It runs as `python3 -c GUARD BOOTSTRAP PRELOAD`: the guard checks the
// version before the bootstrap is even parsed, so an old interpreter gives one clear
// exit code rather than a SyntaxError.
//
// Protocol: one JSON object per line. The gateway writes invocations to fd 3 and reads
// answers from fd 4; the handler's stdout and stderr (print, logging) go to fd 4 too, a
// line `{"o": text}` per write as it happens, so nothing a handler prints can corrupt the
// protocol, and what it printed before its process died (sys.exit, os._exit, a signal, a
// timeout's kill) has already reached the gateway. Writes straight to fd 1/2 (a C
// extension, a subprocess) still reach the gateway's log, unattributed.

/** The exit code of an interpreter older than MIN_PYTHON. */
export const TOO_OLD_EXIT = 86
export const MIN_PYTHON = '3.8'

export const PYTHON_GUARD = `import sys
if sys.version_info < (3, 8):
    sys.stderr.write("%d.%d.%d %s" % (tuple(sys.version_info[:3]) + (sys.executable,)))
    sys.exit(${TOO_OLD_EXIT})
_src = sys.argv.pop(1)
sys.argv[0] = "socketeer-worker"
exec(compile(_src, "<socketeer worker>", "exec"))
`

export const PYTHON_BOOTSTRAP = String.raw`
import decimal, importlib, io, json, logging, os, socket, sys, threading, time, traceback

PRELOAD = sys.argv.pop(1).split() if len(sys.argv) > 1 else []


def redirect(name, to_host, to_port):
    """AWS's https name for the gateway's API ({apiId}.execute-api.{region}.amazonaws.com)
    resolves to the gateway, on port 443 only; every other name and port resolves as
    before. urllib3 (boto3) and socket.create_connection look names up through
    socket.getaddrinfo."""
    resolve = socket.getaddrinfo

    def text(value):
        return value.decode("ascii", "replace") if isinstance(value, (bytes, bytearray)) else value

    def getaddrinfo(host, port, *args, **kwargs):
        name_ = text(host)
        if isinstance(name_, str) and name_.lower().rstrip(".") == name and str(text(port)) in ("443", "https"):
            return resolve(to_host, to_port, *args, **kwargs)
        return resolve(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


proto_in = io.open(3, "rb", buffering=0)
proto_out = io.open(4, "wb", buffering=0)
for fd in (3, 4):
    try:
        os.set_inheritable(fd, False)  # a subprocess of the handler must not hold the protocol
    except OSError:
        pass

_lock = threading.RLock()  # a signal handler that prints runs on the thread that may hold it


def send_line(text):
    # One write per line, under the lock: threads printing at once never interleave a line.
    data = memoryview((text + "\n").encode("utf-8"))
    with _lock:
        while data:  # a pipe write interrupted by a signal can be partial
            data = data[proto_out.write(data) :]


def send(obj):
    send_line(json.dumps(obj))


class Capture(io.TextIOBase):
    """sys.stdout / sys.stderr while the worker runs: each write goes to the gateway at once."""

    def __init__(self, name):
        self.name = name

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        if text:
            send({"o": text})
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


sys.stdout = Capture("<stdout>")
sys.stderr = Capture("<stderr>")

class LambdaFormatter(logging.Formatter):
    # Lambda's own line: [LEVEL]<TAB>time<TAB>request id<TAB>message
    def format(self, record):
        record.aws_request_id = CURRENT["id"]
        return super().format(record)


class ToStdout(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


_handler = ToStdout()
_handler.setFormatter(
    LambdaFormatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S")
)
_handler.formatter.converter = time.gmtime
logging.getLogger().addHandler(_handler)
CURRENT = {"id": None}


class LambdaContext(object):
    def __init__(self, msg):
        self.function_name = msg["functionName"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = msg["arn"]
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = msg["requestId"]
        self.log_group_name = "/aws/lambda/" + msg["functionName"]
        self.log_stream_name = msg["logStream"]
        self.identity = None
        self.client_context = None
        self._deadline = msg["deadline"]

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline - time.time() * 1000))

    def __repr__(self):
        return "LambdaContext(%r)" % self.__dict__


def to_json(value):
    def default(o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    return json.dumps(value, default=default)


def error_of(exc, error_type=None, skip=0):
    frames = traceback.extract_tb(exc.__traceback__)[skip:]
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_list(frames),
    }


def load():
    root = os.environ["LAMBDA_TASK_ROOT"]
    module_name, _, fn_name = os.environ["_HANDLER"].rpartition(".")
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        detail = error_of(exc, skip=0)
        detail["errorType"] = "Runtime.UserCodeSyntaxError" if isinstance(exc, SyntaxError) else "Runtime.ImportModuleError"
        detail["errorMessage"] = "Unable to import module '%s': %s" % (module_name, exc)
        # importlib's own frames say nothing to the user.
        detail["stackTrace"] = [line for line in detail["stackTrace"] if "<frozen importlib" not in line]
        return None, detail
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        return None, {
            "errorType": "Runtime.HandlerNotFound",
            "errorMessage": "Handler '%s' missing on module '%s'" % (fn_name, module_name),
            "stackTrace": [],
        }
    return fn, None


def init():
    """The first message: the handler's whole environment (the gateway's endpoint, region,
    CA bundle, known once it listens) and where AWS's name for its API leads."""
    line = proto_in.readline()
    if not line:
        sys.exit(0)  # the gateway went away before it started
    msg = json.loads(line)
    os.environ.clear()
    os.environ.update(msg["env"])
    if hasattr(time, "tzset"):
        time.tzset()  # the interpreter read TZ at start, before the handler's environment
    if msg.get("redirect"):
        redirect(*msg["redirect"])


def preload():
    """Modules the handler will import (boto3), named by the gateway: imported while the
    gateway is still starting, before the handler's environment arrives. Importing them
    reads no environment; a failure here is the handler's own import's to report."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:
            pass


def main():
    preload()
    init()
    fn, failure = load()
    if failure:
        send({"ready": False, "error": failure})
        return
    send({"ready": True, "executable": sys.executable})
    while True:
        line = proto_in.readline()
        if not line:
            return  # the gateway went away
        msg = json.loads(line)
        CURRENT["id"] = msg["requestId"]
        answer = {"id": msg["id"], "ok": False}
        result = None
        try:
            value = fn(msg["event"], LambdaContext(msg))
            try:
                result = to_json(value)
                answer["ok"] = True
            except (TypeError, ValueError) as exc:
                answer["error"] = {
                    "errorType": "Runtime.MarshalError",
                    "errorMessage": "Unable to marshal response: %s" % exc,
                    "stackTrace": [],
                }
        except Exception as exc:
            # The first frame is this loop's call into the handler.
            answer["error"] = error_of(exc, skip=1)
        CURRENT["id"] = None
        text = json.dumps(answer)
        if result is not None:
            text = text[:-1] + ', "result": ' + result + "}"
        send_line(text)


main()
`
