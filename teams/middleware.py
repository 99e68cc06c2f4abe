def chinese_unless_chosen(get_response):
    """Serve the interface in Chinese unless the user chose another language in the footer.

    The browser's Accept-Language is ignored: a township office's computer may well run an
    English system, and the product's language is Chinese (zh-hans).
    """

    def middleware(request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware
