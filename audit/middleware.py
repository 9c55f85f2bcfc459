"""Marks every request with its source and a request id, echoed in the response."""

import uuid

from audit.context import REQUEST_ID_HEADER, Source, audit_context


class AuditContextMiddleware:
    """Marks everything a request does with its source and a request id (echoed in the response)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get(REQUEST_ID_HEADER, "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        if request.path.startswith("/api/"):
            source = Source.API
        elif request.path.startswith("/admin/"):
            source = Source.ADMIN
        else:
            source = Source.WEB
        with audit_context(source=source, request_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
