#!/usr/bin/env python3
"""A small HTTP server for the redirect tests, on 127.0.0.1.

    redirect-server.py PORTFILE LOG redirect URL_PREFIX
        answers every request with 302 to URL_PREFIX + the request path
    redirect-server.py PORTFILE LOG auth
        answers every request with 401 asking for basic authentication

It writes the port it listens on to PORTFILE, and one line per request to
LOG: the method, the path and the Authorization header (or "-").
"""
import http.server
import sys


def main():
    portfile, log, mode = sys.argv[1:4]
    prefix = sys.argv[4] if mode == "redirect" else ""

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self):
            with open(log, "a") as f:
                f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Authorization", "-")))
            if mode == "redirect":
                self.send_response(302)
                self.send_header("Location", prefix + self.path)
            else:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="elsewhere"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = answer

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
