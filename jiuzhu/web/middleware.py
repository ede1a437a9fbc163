"""Chinese by default on the pages, whatever the browser asks for.

The product's users work on government intranet machines whose browsers are often set to English; the pages
must still open in Chinese until the user picks English with the language switch (which sets a cookie).
The API keeps honouring Accept-Language for its messages.
"""


class ChineseByDefaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
