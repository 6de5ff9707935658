import json
import os
import subprocess
import sys

import pytest


def _add(cli, *args: str):
    return cli("customer", "add", *args)


def test_customer_add_then_show_as_json(cli) -> None:
    assert _add(cli, "深圳市明达电子科技有限公司", "--level", "意向", "--phone", "0755-86001234",
                "--contact", "王强", "--mobile", "13812345678").exit_code == 0
    shown = json.loads(cli("customer", "show", "明达", "--json").stdout)
    assert shown["level"] == "intent" and shown["contacts"][0]["name"] == "王强"
    assert shown["owner"] == "boss"


def test_customer_add_duplicate_exits_4_and_lists_the_match(cli) -> None:
    _add(cli, "明达电子", "--phone", "13812345678")
    result = _add(cli, "Other Co", "--phone", "13812345678")
    assert result.exit_code == 4
    assert "#1 明达电子" in result.stderr and "same phone" in result.stderr
    assert len(json.loads(cli("customer", "list", "--json").stdout)) == 1


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["customer", "add", " "], 1, "name is empty"),
        (["customer", "add", "X", "--level", "vip"], 1, "unknown level 'vip'"),
        (["customer", "show", "nobody"], 3, "no customer matches 'nobody'"),
        (["customer", "edit", "nobody", "--stars", "2"], 3, "no customer"),
        (["follow", "add", "nobody", "hi"], 3, "no customer"),
        (["contact", "add", "nobody", "王强"], 3, "no customer"),
        (["contact", "edit", "99", "--title", "x"], 3, "no contact #99"),
        (["customer", "list", "--owner", "ghost"], 3, "no user 'ghost'"),
        (["customer", "list", "--due", "someday"], 1, "unknown due filter"),
        (["customer", "list", "--sort", "colour"], 1, "unknown sort"),
        (["config", "set", "no.such", "1"], 1, "unknown setting"),
        (["user", "add", "bad name"], 1, "invalid user name"),
        (["customer", "add"], 2, ""),
    ],
)
def test_bad_input_gets_a_clear_message_and_exit_code(cli, args, code, fragment) -> None:
    result = cli(*args)
    assert result.exit_code == code
    assert fragment in result.stderr


def test_follow_add_with_a_bad_date_names_the_value(cli) -> None:
    _add(cli, "明达")
    result = cli("follow", "add", "明达", "called", "--next", "2026-02-30")
    assert result.exit_code == 1 and "2026-02-30" in result.stderr
    assert json.loads(cli("follow", "list", "--json").stdout) == []


def test_follow_add_with_relative_date_sets_the_customer_next_date(cli) -> None:
    _add(cli, "明达")
    assert cli("follow", "add", "明达", "报价已发", "-m", "微信", "--next", "+3d").exit_code == 0
    shown = json.loads(cli("customer", "show", "明达", "--json").stdout)
    assert shown["next_followup_on"] == "2026-11-26"
    assert shown["followups"][0]["method"] == "wechat"


def test_follow_next_plans_moves_and_clears_the_next_date_without_logging_a_contact(cli) -> None:
    _add(cli, "明达")
    logged = cli("follow", "add", "明达", "电话没人接")
    assert "no next follow-up planned: plan one with `crm follow next 1 +7d`" in " ".join(logged.stderr.split())
    assert cli("follow", "next", "明达", "下周五").exit_code == 0  # today is Monday 2026-11-23
    shown = json.loads(cli("customer", "show", "明达", "--json").stdout)
    assert shown["next_followup_on"] == "2026-12-04" and len(shown["followups"]) == 1  # no contact logged
    same = cli("follow", "next", "明达", "2026-12-04")
    assert same.exit_code == 0 and "already 2026-12-04" in same.stderr
    past = cli("follow", "next", "明达", "2026-01-05")
    assert past.exit_code == 1 and "in the past" in past.stderr
    assert cli("follow", "next", "明达", "none").exit_code == 0
    assert json.loads(cli("customer", "show", "明达", "--json").stdout)["next_followup_on"] is None
    assert cli("follow", "next", "明达", "someday").exit_code == 1


def test_history_shows_instants_in_local_time_to_the_minute(cli) -> None:
    _add(cli, "明达")
    assert cli("follow", "add", "明达", "上门拜访", "--at", "2026-11-20 15:00", "--next", "+7d").exit_code == 0
    text = " ".join(cli("customer", "history", "明达").stdout.split())
    assert "at: None → '2026-11-20 15:00'" in text  # Shanghai time, as typed (stored in UTC with microseconds)
    history = json.loads(cli("customer", "history", "明达", "--json").stdout)
    [made] = [h for h in history if h["entity"] == "followup"]
    assert made["changes"]["at"][1].startswith("2026-11-20T07:00:00")  # --json keeps the stored value


def test_a_deleted_customers_id_says_it_is_deleted_and_an_id_never_matches_part_of_a_name(cli) -> None:
    _add(cli, "明达")
    _add(cli, "Northwind 16 Trading")
    _add(cli, "Acme 2018 Ltd.")
    assert cli("customer", "delete", "1").exit_code == 0
    gone = cli("customer", "show", "1")
    assert gone.exit_code == 3 and "is deleted" in gone.stderr and "crm customer restore 1" in gone.stderr
    missing = cli("customer", "show", "99")
    assert missing.exit_code == 3 and "no customer #99" in missing.stderr
    assert cli("customer", "show", "#2").exit_code == 0
    assert cli("customer", "show", "2018").exit_code == 3  # no id 2018: not "Acme 2018 Ltd." by a piece of it
    assert json.loads(cli("customer", "show", "Acme 2018", "--json").stdout)["id"] == 3  # a name still works


def test_customer_add_with_next_plans_the_first_follow_up_and_a_bad_date_writes_nothing(cli) -> None:
    assert _add(cli, "明达", "--next", "下周五").exit_code == 0
    assert json.loads(cli("customer", "show", "明达", "--json").stdout)["next_followup_on"] == "2026-12-04"
    bad = _add(cli, "华信", "--next", "someday")
    assert bad.exit_code == 1 and "someday" in bad.stderr
    assert [c["name"] for c in json.loads(cli("customer", "list", "--json").stdout)] == ["明达"]


def test_list_outputs_csv_and_ids(cli) -> None:
    _add(cli, "明达")
    _add(cli, "华信")
    assert cli("customer", "list", "--ids").stdout.split() == ["1", "2"]
    lines = cli("customer", "list", "--csv").stdout.splitlines()
    assert lines[0].startswith("id,name") and len(lines) == 3


def test_chinese_two_character_search_finds_the_customer(cli) -> None:
    _add(cli, "深圳市明达电子科技有限公司")
    _add(cli, "华信科技")
    assert cli("customer", "list", "--search", "明达", "-q").stdout.split() == ["1"]


def test_edit_then_history_shows_old_and_new(cli) -> None:
    _add(cli, "明达", "--stars", "2")
    assert cli("customer", "edit", "明达", "--stars", "4").exit_code == 0
    history = json.loads(cli("customer", "history", "明达", "--json").stdout)
    assert history[-1]["changes"] == {"stars": [2, 4]}


def test_delete_and_restore(cli) -> None:
    _add(cli, "明达")
    assert cli("customer", "delete", "1").exit_code == 0
    assert cli("customer", "list", "-q").stdout == ""
    assert cli("customer", "restore", "1").exit_code == 0
    assert cli("customer", "list", "-q").stdout.split() == ["1"]


def test_today_lists_due_overdue_and_never_contacted(cli) -> None:
    _add(cli, "due")
    _add(cli, "never")
    cli("follow", "add", "due", "called", "--next", "today")
    agenda = json.loads(cli("today", "--json").stdout)
    assert [c["name"] for c in agenda["due_today"]] == ["due"]
    assert [c["name"] for c in agenda["never_contacted"]] == ["never"]


def test_users_add_list_and_act_as_another_user(cli) -> None:
    cli("user", "list")  # the first user (boss) becomes admin
    assert cli("user", "add", "li.na", "--name", "李娜", "--role", "rep").exit_code == 0
    _add(cli, "boss customer")
    assert cli("customer", "add", "her customer", user="li.na").exit_code == 0
    mine = json.loads(cli("customer", "list", "--owner", "me", "--json", user="li.na").stdout)
    assert [c["name"] for c in mine] == ["her customer"]


def test_a_rep_cannot_add_users(cli) -> None:
    cli("user", "add", "li.na", "--role", "rep")
    result = cli("user", "add", "x", user="li.na")
    assert result.exit_code == 4 and "only an admin" in result.stderr


def test_config_set_and_get_for_file_and_database_settings(cli) -> None:
    assert cli("config", "set", "today.idle_days", "14").exit_code == 0
    assert cli("config", "get", "today.idle_days").stdout.strip() == "14"
    assert cli("config", "set", "timezone", "Europe/Berlin").exit_code == 0
    assert cli("config", "get", "timezone").stdout.strip() == "Europe/Berlin"
    assert cli("config", "set", "timezone", "Mars/Olympus").exit_code == 1


def test_adding_a_contact_the_customer_already_has_is_refused_unless_forced(cli) -> None:
    _add(cli, "明达")
    assert cli("contact", "add", "明达", "王强", "--mobile", "13812345678").exit_code == 0
    again = cli("contact", "add", "明达", "王强", "--mobile", "+86 138-1234-5678")
    assert again.exit_code == 4
    assert "already has contact" in again.stderr and "crm contact edit" in " ".join(again.stderr.split())
    assert cli("contact", "add", "明达", "王强").exit_code == 4  # nothing to tell them apart
    assert cli("contact", "add", "明达", "王强", "--mobile", "13900001111").exit_code == 0  # another 王强
    assert cli("contact", "add", "明达", "王强", "--mobile", "13812345678", "--force").exit_code == 0
    assert cli("contact", "add", "明达", "李梅", "--mobile", "13812345678").exit_code == 0  # a shared number
    names = [c["name"] for c in json.loads(cli("contact", "list", "明达", "--json").stdout)]
    assert sorted(names) == ["李梅", "王强", "王强", "王强"]


def test_contact_add_list_edit_delete(cli) -> None:
    _add(cli, "明达")
    cli("contact", "add", "明达", "王强", "--mobile", "13812345678", "--birthday", "1985-06-15")
    cli("contact", "add", "明达", "李梅", "--primary")
    contacts = json.loads(cli("contact", "list", "明达", "--json").stdout)
    assert [c["name"] for c in contacts] == ["李梅", "王强"]
    assert cli("contact", "edit", str(contacts[1]["id"]), "--title", "总经理").exit_code == 0
    assert cli("contact", "delete", str(contacts[0]["id"])).exit_code == 0
    remaining = json.loads(cli("contact", "list", "明达", "--json").stdout)
    assert [(c["name"], c["title"], c["is_primary"]) for c in remaining] == [("王强", "总经理", True)]


def test_every_command_has_help_text_with_an_example() -> None:
    from typer.main import get_command

    from crm_cli.commands import app

    root = get_command(app)

    def walk(group, path):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                assert cmd.help, f"group {path + [name]} has no help"
                yield from walk(cmd, path + [name])
            else:
                yield path + [name], cmd

    missing = [" ".join(p) for p, cmd in walk(root, []) if not cmd.help or "Example" not in cmd.help]
    assert missing == []


def test_installed_entry_point_runs_a_command(tmp_path) -> None:
    env = dict(os.environ, CRM_DB=str(tmp_path / "e.db"))
    bindir = os.path.dirname(sys.executable)
    crm = os.path.join(bindir, "crm")
    cmd = [crm] if os.path.exists(crm) else [sys.executable, "-m", "crm_cli"]
    added = subprocess.run([*cmd, "customer", "add", "明达", "-q"], env=env, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    missing = subprocess.run([*cmd, "customer", "show", "华为"], env=env, capture_output=True, text=True)
    assert missing.returncode == 3 and "no customer matches" in missing.stderr
    assert missing.stdout == ""


def test_demo_builds_a_database_with_due_and_never_contacted_customers(tmp_path) -> None:
    from crm_cli.demo import build_demo

    path = build_demo(tmp_path / "demo.db", customers=120)
    from crm_cli.dates import Clock
    from crm_cli.db.engine import Database

    db = Database(path)
    from crm_cli import agenda
    from crm_cli.users import get_user

    with db.read() as session:
        day = agenda.today_agenda(session, user=get_user(session, "wang.fang"), clock=Clock())
    assert day.due_today and day.overdue and day.never_contacted


def test_customer_json_keys_come_in_declared_order_whatever_was_loaded_first(cli) -> None:
    _add(cli, "明达电子", "--phone", "13812345678", "--region", "深圳")
    cli("follow", "add", "明达", "called", "--next", "+3d")  # touches the row, so later loads differ from the first
    listed = json.loads(cli("customer", "list", "--json").stdout)[0]
    shown = json.loads(cli("customer", "show", "明达", "--json").stdout)
    assert list(listed)[:5] == ["id", "code", "name", "level", "stars"]
    assert list(shown)[:len(listed)] == list(listed)
    assert list(listed)[-1] == "owner"


def test_a_read_command_on_a_new_database_creates_the_first_user_then_reads(cli, db) -> None:
    from crm_cli.users import get_user

    result = cli("customer", "list", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    with db.read() as session:
        assert get_user(session, "boss").role == "admin"
    assert cli("today", user="boss").exit_code == 0


def test_a_read_command_by_an_unknown_or_deactivated_user_is_refused(cli) -> None:
    cli("user", "add", "li.na", "--role", "rep")
    unknown = cli("customer", "list", user="nobody")
    assert unknown.exit_code == 3 and "'nobody', who is not a user" in unknown.stderr
    cli("user", "edit", "li.na", "--inactive")
    gone = cli("today", user="li.na")
    assert gone.exit_code == 4 and "deactivated" in gone.stderr
