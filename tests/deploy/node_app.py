"""The app as one node of a multi-server deployment runs it (`gunicorn "node_app:create()"`), with an instance
folder of its own (LMS_NODE_INSTANCE): nothing a node keeps locally may matter to the others."""
import os

from lms import create_app


def create():
    """create_app() configured from LMS_* like production, with the node's own instance folder."""
    app = create_app()
    app.instance_path = os.environ["LMS_NODE_INSTANCE"]
    return app
