#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""close_wait.py - the two pile-ups of docs/learn.md in one connection.

A server on 127.0.0.1:PORT that reads a request and then never calls
close(); a client that sends the request and closes its end. The server's
socket sits in CLOSE_WAIT (its application never closes), the client's in
FIN_WAIT2 (its peer never sends a FIN), until SECS have passed.

Usage: close_wait.py [PORT] [SECS]   (defaults 8080, 30)
"""
import socket
import sys
import time

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 30

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen()

client = socket.create_connection(("127.0.0.1", port))
conn, _ = server.accept()
client.sendall(b"hello\n")
conn.recv(100)          # the server reads the request ...
client.close()          # ... the client is done and closes: FIN
time.sleep(secs)        # ... and the server never calls conn.close()
