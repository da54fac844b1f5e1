"""auth.php: register, verify-email, login, forgot-password, reset-password (no token needed)."""

from __future__ import annotations

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.schemas import EMAIL as EMAIL_FORMAT
from app.rest.v1.schemas import ID, NULL, STR, named, obj
from app.services import messages
from app.services.accounts import users as accounts
from app.services.inputs import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MAX_TOKEN

# Credentials: a POST takes them from its body only (Param.credential).
EMAIL = Param("email", required=True, max_length=MAX_EMAIL, description="Email address",
              credential=True)
PASSWORD = Param("password", required=True, max_length=MAX_PASSWORD, credential=True,
                 description="At least 8 characters, with upper case, lower case and a digit")
TOKEN = Param("token", required=True, max_length=MAX_TOKEN, description="Token from the mail",
              credential=True)


async def register(call: Call) -> Response:
    user, verify_token = await accounts.register(**call.params, client_ip=call.client_ip)
    return ok({"user_id": user.id, "verify_token": verify_token})


async def verify_email(call: Call) -> Response:
    user = await accounts.verify_email(**call.params)
    return ok({"user_id": user.id, "email": user.email, "email_verified": True})


async def login(call: Call) -> Response:
    user, token = await accounts.login(**call.params, client_ip=call.client_ip)
    return ok({"user_id": user.id, "email": user.email, "token": token})


async def forgot_password(call: Call) -> Response:
    return ok(None, await accounts.forgot_password(**call.params, client_ip=call.client_ip))


async def reset_password(call: Call) -> Response:
    user = await accounts.reset_password(**call.params, client_ip=call.client_ip)
    return ok({"user_id": user.id}, messages.PASSWORD_RESET)


REGISTER = Action(("POST",), "register", register, "Create an account; a mail with the "
                  "verification link follows", auth=False,
                  params=(EMAIL, PASSWORD,
                          Param("name", max_length=MAX_NAME, description="Nickname")),
                  data=named("Registered", "The new account, and its email verification "
                             "token", obj(user_id=ID, verify_token=STR)), secret=True)
VERIFY_EMAIL = Action(("POST", "GET"), "verify-email", verify_email,
                      "Confirm the account's email", auth=False, params=(TOKEN,),
                      data=named("EmailVerified", "The account whose email is confirmed", obj(
                          user_id=ID, email=EMAIL_FORMAT, email_verified={"const": True})))
LOGIN = Action(("POST",), "login", login, "Log in; answers the API bearer token", auth=False,
               params=(EMAIL, Param("password", required=True, max_length=MAX_PASSWORD,
                                    credential=True, description="The account's password")),
               data=named("LoggedIn", "The API bearer token", obj(
                   user_id=ID, email=EMAIL_FORMAT, token=STR)), secret=True)
FORGOT = Action(("POST",), "forgot-password", forgot_password, "Mail a password-reset token",
                auth=False, params=(EMAIL,), data=NULL, message=messages.FORGOT_PASSWORD)
RESET = Action(("POST",), "reset-password", reset_password,
               "Set a new password with a reset token", auth=False, params=(TOKEN, PASSWORD),
               data=named("PasswordReset", "The account whose password changed",
                          obj(user_id=ID)))
RESOURCE = Resource("/api/v1/auth.php", (REGISTER, VERIFY_EMAIL, LOGIN, FORGOT, RESET))
ALIASES = (
    Alias("POST", "/api/v1/auth/register", REGISTER, "register"),
    Alias("POST", "/api/v1/auth/verify-email", VERIFY_EMAIL, "verifyEmail"),
    Alias("POST", "/api/v1/auth/login", LOGIN, "login"),
    Alias("POST", "/api/v1/auth/forgot-password", FORGOT, "forgotPassword"),
    Alias("POST", "/api/v1/auth/reset-password", RESET, "resetPassword"),
)
