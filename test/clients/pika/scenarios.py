#!/usr/bin/python3
"""pika (Debian's python3-pika, BlockingConnection) against the real broker, one scenario per run.

    /usr/bin/python3 scenarios.py <scenario> <port> [args...]

Each scenario prints JSON lines on stdout: events ({"event": ...}) while it runs, and a last line
{"result": {...}} that the vitest side checks. An exception prints {"error": "..."} and exits 1.
"""

import json
import sys
import time
import traceback

import pika
from pika.exceptions import AMQPConnectionError, AMQPError

HOST = "127.0.0.1"


def emit(**fields):
    print(json.dumps(fields), flush=True)


def params(port, heartbeat=None):
    kwargs = {"host": HOST, "port": port, "credentials": pika.PlainCredentials("guest", "guest")}
    if heartbeat is not None:
        kwargs["heartbeat"] = heartbeat
    return pika.ConnectionParameters(**kwargs)


def connect(port, heartbeat=None):
    return pika.BlockingConnection(params(port, heartbeat))


def wait_for(conn, ready, what, timeout=10.0):
    """Processes I/O until ready() holds; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        conn.process_data_events(time_limit=0.05)


def props_of(p):
    return {
        "content_type": p.content_type,
        "content_encoding": p.content_encoding,
        "headers": p.headers,
        "delivery_mode": p.delivery_mode,
        "priority": p.priority,
        "correlation_id": p.correlation_id,
        "reply_to": p.reply_to,
        "expiration": p.expiration,
        "message_id": p.message_id,
        "timestamp": p.timestamp,
        "type": p.type,
        "user_id": p.user_id,
        "app_id": p.app_id,
    }


def basics(port):
    conn = connect(port)
    ch = conn.channel()
    ch.exchange_declare("pika.direct", exchange_type="direct", durable=False)
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(queue, "pika.direct", routing_key="greeting")
    got = []
    ch.basic_consume(queue, lambda c, m, p, b: got.append((m, p, b)), auto_ack=False)
    ch.basic_publish(
        "pika.direct",
        "greeting",
        b"hello",
        pika.BasicProperties(
            content_type="text/plain",
            content_encoding="utf-8",
            headers={"x-number": 42, "x-text": "forty-two", "x-flag": True, "x-list": [1, "two"]},
            delivery_mode=2,
            priority=4,
            correlation_id="corr-p",
            message_id="msg-p",
            timestamp=1700000000,
            type="greeting",
            user_id="guest",
            app_id="client-tests",
            expiration="60000",
        ),
    )
    wait_for(conn, lambda: got, "delivery")
    method, props, body = got[0]
    ch.basic_ack(method.delivery_tag)
    left = ch.queue_declare(queue, passive=True).method.message_count
    conn.close()
    return {
        "body": body.decode(),
        "exchange": method.exchange,
        "routing_key": method.routing_key,
        "redelivered": method.redelivered,
        "properties": props_of(props),
        "left_after_ack": left,
    }


def confirms(port):
    conn = connect(port)
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("pika.confirms", durable=True)
    ch.queue_purge("pika.confirms")
    # With confirms on, a BlockingChannel's basic_publish returns once the broker acked (NackError
    # otherwise): one round trip and one disk write each, so fewer than the other clients publish at once.
    for i in range(25):
        ch.basic_publish("", "pika.confirms", f"confirm-{i}".encode(), pika.BasicProperties(delivery_mode=2), mandatory=True)
    count = ch.queue_delete("pika.confirms").method.message_count
    conn.close()
    return {"confirmed": 25, "count": count}


def get(port):
    conn = connect(port)
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    for i in range(3):
        ch.basic_publish("", queue, f"get-{i}".encode(), pika.BasicProperties(correlation_id=f"get-{i}"))
    wait_for(conn, lambda: ch.queue_declare(queue, passive=True).method.message_count == 3, "3 messages queued")
    seen = []
    m, p, b = ch.basic_get(queue, auto_ack=False)
    seen.append([b.decode(), m.message_count, p.correlation_id])
    ch.basic_ack(m.delivery_tag)
    m, p, b = ch.basic_get(queue, auto_ack=True)
    seen.append([b.decode(), m.message_count, p.correlation_id])
    m, p, b = ch.basic_get(queue, auto_ack=False)
    seen.append([b.decode(), m.message_count, p.correlation_id])
    ch.basic_ack(m.delivery_tag)
    empty = ch.basic_get(queue)
    conn.close()
    return {"seen": seen, "empty": list(empty) == [None, None, None]}


def reject(port):
    conn = connect(port)
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    for i in range(4):
        ch.basic_publish("", queue, f"r-{i}".encode())
    ch.basic_qos(prefetch_count=4)
    seen = []
    ch.basic_consume(queue, lambda c, m, p, b: seen.append((m, b.decode())), auto_ack=False)
    wait_for(conn, lambda: len(seen) == 4, "4 deliveries")
    ch.basic_reject(seen[0][0].delivery_tag, requeue=True)  # r-0 back
    ch.basic_reject(seen[1][0].delivery_tag, requeue=False)  # r-1 gone
    ch.basic_nack(seen[3][0].delivery_tag, multiple=True, requeue=True)  # r-2, r-3 back
    wait_for(conn, lambda: len(seen) == 7, "3 redeliveries")
    redelivered = sorted([b, m.redelivered] for m, b in seen[4:])
    ch.basic_nack(seen[6][0].delivery_tag, multiple=True, requeue=False)
    wait_for(conn, lambda: ch.queue_declare(queue, passive=True).method.message_count == 0, "queue empty")
    conn.close()
    return {"redelivered": redelivered}


def rpc(port):
    conn = connect(port)
    ch = conn.channel()
    ch.queue_declare("pika.rpc", exclusive=True)

    def serve(c, method, props, body):
        c.basic_publish("", props.reply_to, str(int(body) * 2).encode(), pika.BasicProperties(correlation_id=props.correlation_id))
        c.basic_ack(method.delivery_tag)

    ch.basic_consume("pika.rpc", serve)
    reply_queue = ch.queue_declare("", exclusive=True).method.queue
    replies = {}
    ch.basic_consume(reply_queue, lambda c, m, p, b: replies.__setitem__(p.correlation_id, b.decode()), auto_ack=True)
    for n in (1, 2, 3):
        ch.basic_publish("", "pika.rpc", str(n).encode(), pika.BasicProperties(reply_to=reply_queue, correlation_id=f"c{n}"))
    wait_for(conn, lambda: len(replies) == 3, "3 replies")
    conn.close()
    return {"replies": replies}


def heartbeat(port, seconds, idle):
    conn = connect(port, heartbeat=int(seconds))
    negotiated = conn._impl.params.heartbeat
    conn.sleep(float(idle))  # nothing but heartbeats, from the handshake on, for several intervals
    open_after_idle = conn.is_open
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.basic_publish("", queue, b"still here")
    wait_for(conn, lambda: ch.queue_declare(queue, passive=True).method.message_count == 1, "the publish after idling")
    _, _, body = ch.basic_get(queue, auto_ack=True)
    conn.close()
    return {"negotiated": negotiated, "open_after_idle": open_after_idle, "body": body.decode()}


def burst(port, rounds, *sizes):
    """The same attempts as dist/burst.js prints: publish without confirms, then close at once."""
    for size in map(int, sizes):
        for rnd in range(int(rounds)):
            errors = []
            outcome = "closed"
            try:
                conn = connect(port)
                ch = conn.channel()
                ch.queue_declare(f"burst.{size}", durable=True)
                for i in range(size):
                    ch.basic_publish("", f"burst.{size}", f"burst-{i}".encode(), pika.BasicProperties(delivery_mode=2))
                conn.close()
            except Exception as e:  # noqa: BLE001 - any failure is the attempt's outcome
                outcome = f"close failed: {type(e).__name__}: {e}"
            emit(size=size, round=rnd, outcome=outcome, errors=errors)
            if outcome != "closed":
                return None
    return None


def connect_retrying(port, timeout):
    """The retry loop a pika application writes: connection refused while the broker is down, so try again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return connect(port)
        except AMQPConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def reconnect(port):
    received = []

    def consume(conn):
        ch = conn.channel()
        ch.confirm_delivery()
        ch.queue_declare("pika.reconnect", durable=True)
        ch.queue_declare("pika.reconnect.kept", durable=True)
        ch.basic_consume("pika.reconnect", lambda c, m, p, b: (received.append(b.decode()), c.basic_ack(m.delivery_tag)))
        return ch

    conn = connect_retrying(port, 10)
    ch = consume(conn)
    ch.basic_publish("", "pika.reconnect", b"ping-1", pika.BasicProperties(delivery_mode=2))
    ch.basic_publish("", "pika.reconnect.kept", b"kept", pika.BasicProperties(delivery_mode=2))
    wait_for(conn, lambda: "ping-1" in received, "ping-1 consumed")
    emit(event="ready")
    # Serve until the broker goes away under us.
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            conn.process_data_events(time_limit=0.05)
        raise TimeoutError("the broker did not close the connection within 20 s")
    except AMQPError as e:
        emit(event="disconnected", reason=f"{type(e).__name__}: {e}")
    conn = connect_retrying(port, 15)
    emit(event="reconnected")
    ch = consume(conn)
    ch.basic_publish("", "pika.reconnect", b"ping-2", pika.BasicProperties(delivery_mode=2))
    wait_for(conn, lambda: "ping-2" in received, "ping-2 consumed after reconnecting")
    _, _, kept = ch.basic_get("pika.reconnect.kept", auto_ack=True)
    conn.close()
    return {"received": received, "kept": kept.decode() if kept is not None else None}


SCENARIOS = {"basics": basics, "confirms": confirms, "get": get, "reject": reject, "rpc": rpc, "heartbeat": heartbeat, "burst": burst, "reconnect": reconnect}


def main(argv):
    if len(argv) < 3 or argv[1] not in SCENARIOS:
        print(f"usage: scenarios.py <{'|'.join(SCENARIOS)}> <port> [args...]", file=sys.stderr)
        return 2
    try:
        result = SCENARIOS[argv[1]](int(argv[2]), *argv[3:])
    except Exception:  # noqa: BLE001 - reported to the test as it is
        emit(error=traceback.format_exc())
        return 1
    if result is not None:
        emit(result=result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
