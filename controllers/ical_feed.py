"""Personal iCalendar feed of an employee's meetings.

GET /accountancy/ical/<token>.ics, where the token is the secret of the user's
feed (My Profile > Account Security > Calendar feed). Unknown or revoked
tokens answer 404.
"""

from odoo import http
from odoo.http import request


class IcalFeedController(http.Controller):
    @http.route(
        "/accountancy/ical/<string:token>.ics",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        readonly=True,
        save_session=False,
    )
    def ical_feed(self, token, **kwargs):
        user = request.env["res.users"]._accountancy_ical_user(token)
        if not user:
            # The same answer for a token that never existed and a revoked one.
            return request.not_found()
        body = user._accountancy_ical_feed()
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Disposition", 'inline; filename="odoo-meetings.ics"'),
                ("Cache-Control", "private, max-age=300"),
                ("X-Robots-Tag", "noindex"),
            ],
        )
