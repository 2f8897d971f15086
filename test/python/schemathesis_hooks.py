# A Schemathesis check for the user-token run: an operation documented as admin-only ("(admin)" in
# its summary) must answer 403 to a user token; never a success.
# Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks (this folder on PYTHONPATH).
import schemathesis


@schemathesis.check
def admin_only_forbidden(ctx, response, case):
    summary = case.operation.definition.raw.get("summary") or ""
    # Schemathesis also sends each operation without credentials: 401 is right there.
    sent_token = "authorization" in {k.lower() for k in response.request.headers}
    if "(admin)" not in summary or not sent_token:
        return None
    # Refused as a request before the role is looked at: a body the schema refuses (400), a method
    # the path does not declare (405, Schemathesis tries those), a body too large (413) or of a
    # media type the route does not take (415). Anything else must be 403.
    # A request generated to break the schema (negative mode: a path segment the router does not
    # take, a name against its pattern) may also be refused as 404 or 422 before the role check.
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    refused = {400, 403, 405, 413, 415} | ({404, 422} if str(mode) == "negative" else set())
    if response.status_code not in refused:
        raise AssertionError(
            f"{case.operation.method.upper()} {case.operation.path} is admin-only, "
            f"but the user token got {response.status_code}"
        )
    return None
