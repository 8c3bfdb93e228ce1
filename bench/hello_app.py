"""A bare Flask "hello" app: the yardstick the load benchmark compares sitedir with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
