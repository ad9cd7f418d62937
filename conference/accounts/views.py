import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from conference.events.access import event_blueprint
from conference.events.services import list_events
from conference.extensions import db, limiter, login_manager
from conference.i18n import current_language, safe_next_url

from .access import ORGANIZER_ROLES, STAFF_ROLES, organizer_required, roles_required
from .forms import ROLE_LABELS, InvitationForm, LoginForm, MemberForm, PasswordForm, StaffForm
from .models import User
from .services import (
    UserError,
    add_member,
    authenticate,
    create_user,
    events_of,
    find_user,
    invite,
    invite_again,
    may_manage,
    may_open_event,
    members_of,
    organizers_of,
    remove_member,
    roles_managed_by,
    staff,
    update_user,
    user_for_password_token,
)

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a log-in session, unless the account was disabled or its password changed since (User.get_id):
    Flask-Login checks neither for a session already open."""
    user_id, password_mark, session_key = (session_id.split(":") + ["", ""])[:3]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_enabled or (password_mark, session_key) != (user.password_mark, user.session_key):
        return None
    now, limit = time.time(), current_app.config["STAFF_IDLE_LIMIT"].total_seconds()
    if now - session.get("staff_seen", now) > limit:
        return None  # left alone too long: the log-in page again
    if now - session.get("staff_seen", 0) >= min(60, limit / 4):  # not a new cookie on every request
        session["staff_seen"] = now
    return user


def _home_for(user: User) -> str:
    return url_for("events.manage_index") if user.role in ORGANIZER_ROLES else url_for("checkin_start.choose_event")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session["staff_seen"] = time.time()  # the idle limit counts from here (see load_user)
            login_user(user)
            return redirect(safe_next_url(request.args.get("next"), _home_for(user)))
        form.password.errors.append(_("Wrong email or password."))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Nothing of the session outlives it (a device token waiting for its page, say) but the language chosen; nor
    # does any copy of it: the account's log-in sessions end everywhere (User.end_sessions).
    current_user.end_sessions()
    language = session.get("lang")
    session.clear()
    logout_user()
    if language:
        session["lang"] = language
    flash(_("You have logged out."), "info")
    return redirect(url_for("events.index"))


# ---- staff accounts ---------------------------------------------------------------------------------------

@bp.route("/manage/staff/")
@organizer_required
def staff_list():
    users = staff(current_user)
    return render_template("accounts/staff_list.html", users=users, role_labels=ROLE_LABELS,
                           editable={user.id for user in users if may_manage(current_user, user)})


def _events_to_join() -> list[tuple[int, str]] | None:
    """The events an organizer's new account may join (theirs); None for an admin, whose accounts need none."""
    if current_user.role == "admin":
        return None
    return [(event.id, event.display_title(current_language())) for event in events_of(current_user, list_events())]


@bp.route("/manage/staff/new", methods=["GET", "POST"])
@organizer_required
def staff_new():
    events = _events_to_join()
    if events == []:
        flash(_("The accounts you add work on your events, and you work on no event yet: create one first."), "info")
        return redirect(url_for("accounts.staff_list"))
    form = StaffForm().for_editor(roles_managed_by(current_user), new=True, events=events)
    if form.validate_on_submit():
        if find_user(form.email.data):
            form.email.errors.append(_("A staff member with this email already exists."))
        else:
            user = create_user(form.email.data, form.password.data, form.role.data, form.full_name.data)
            if form.event_id:
                add_member(form.event_id.data, user)
            flash(_("Account %(email)s added: tell the person the password.", email=user.email), "success")
            return redirect(url_for("accounts.staff_list"))
    return render_template("accounts/staff_form.html", form=form, user=None)


@bp.route("/manage/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)  # everybody their own account (may_manage): a volunteer changes the password given
def staff_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if not may_manage(current_user, user):
        abort(403)
    own = user.id == current_user.id
    form = StaffForm(obj=user).for_editor(roles_managed_by(current_user), new=False, own=user if own else None)
    if form.validate_on_submit():
        try:
            update_user(current_user, user, full_name=form.full_name.data,
                        role=user.role if own else form.role.data,
                        enabled=user.is_enabled if own else form.is_enabled.data, password=form.password.data or None)
        except UserError:
            form.role.errors.append(_("This role is not yours to give."))
        else:
            if own and form.password.data:
                login_user(user)  # the session follows the new password (User.get_id) rather than logging out
            flash(_("Account %(email)s saved.", email=user.email), "success")
            if current_user.role not in ORGANIZER_ROLES:  # the list of staff is the organizers' page
                return redirect(url_for("accounts.staff_edit", user_id=user.id))
            return redirect(url_for("accounts.staff_list"))
    return render_template("accounts/staff_form.html", form=form, user=user, role_labels=ROLE_LABELS)


# ---- an event's team --------------------------------------------------------------------------------------

team_bp = event_blueprint("team", __name__, "/team")  # the event's organizers (and admins) manage who works on it


def _team_page(member_form: MemberForm | None = None, invitation_form: InvitationForm | None = None):
    invitation_form = invitation_form or InvitationForm(formdata=None)
    organizers = organizers_of(g.event.id)
    return render_template("accounts/team.html", event=g.event, members=members_of(g.event.id),
                           last_organizer=organizers[0].id if len(organizers) == 1 else None,
                           member_form=member_form or MemberForm(formdata=None),
                           invitation_form=invitation_form.for_editor(roles_managed_by(current_user)),
                           role_labels=ROLE_LABELS)


@team_bp.route("")
def team():
    return _team_page()


@team_bp.route("/add", methods=["POST"])
def add_to_team():
    form = MemberForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            form.email.errors.append(_("No staff account has this email: invite the person below."))
        elif user.role == "admin":
            form.email.errors.append(_("Administrators work on every event already."))
        else:
            if add_member(g.event.id, user):
                flash(_("%(email)s is now in the team.", email=user.email), "success")
            else:
                flash(_("%(email)s is in the team already.", email=user.email), "info")
            return redirect(url_for("team.team"))
    return _team_page(member_form=form)


@team_bp.route("/invite", methods=["POST"])
def invite_to_team():
    form = InvitationForm().for_editor(roles_managed_by(current_user))
    if form.validate_on_submit():
        if find_user(form.email.data):
            form.email.errors.append(_("A staff account with this email exists: add it above."))
        else:
            user = invite(g.event.id, form.email.data, form.role.data, form.full_name.data, current_language())
            flash(_("%(email)s is invited: a letter with a link to set the password is on its way.",
                    email=user.email), "success")
            return redirect(url_for("team.team"))
    return _team_page(invitation_form=form)


@team_bp.route("/<int:user_id>/invite-again", methods=["POST"])
def resend_invitation(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        invite_again(g.event.id, user, current_language())
    except UserError as error:
        if str(error) != "not_invited":
            abort(404)
        # (A page opened before the person set their password, or an account disabled since.)
        flash(_("%(email)s is not waiting for an invitation: nothing was sent.", email=user.email), "info")
    else:
        flash(_("A new invitation is on its way to %(email)s; the link in the earlier letters no longer works.",
                email=user.email), "success")
    return redirect(url_for("team.team"))


@team_bp.route("/<int:user_id>/remove", methods=["POST"])
def remove_from_team(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        remove_member(current_user, g.event.id, user)
    except UserError as error:
        if str(error) != "last_organizer":
            abort(404)
        flash(_("%(email)s is the event's last organizer: add another one first.", email=user.email), "error")
    else:
        flash(_("%(email)s is no longer in the team.", email=user.email), "success")
        if not organizers_of(g.event.id):  # (only an admin gets here: said, not left to be found out)
            flash(_("The event has no organizer of its own now: only administrators manage it until one is added."),
                  "warning")
        if not may_open_event(current_user, g.event.id):  # they removed themselves: the team page is not theirs
            return redirect(url_for("events.manage_index"))
    return redirect(url_for("team.team"))


# ---- a new team member's password -------------------------------------------------------------------------

@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def set_password(token: str):
    """The link of an invitation: it works until a password is set with it (see services.password_token)."""
    user = user_for_password_token(token)
    if user is None:
        return render_template("accounts/password_link_refused.html"), 404
    form = PasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)  # a new password mark: this link stops working
        flash(_("Your password is set: log in with it."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=user)
