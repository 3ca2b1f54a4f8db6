"""The request editor: method, URL, params, headers, body, auth, options and tests."""
