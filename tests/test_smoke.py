def test_smoke_login_page(client):
    """The login page renders."""
    assert client.get("/login").status_code == 200
