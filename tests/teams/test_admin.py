from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from teams.models import Unit, WorkRecordAttachment
from tests.factories import (
    AreaFactory,
    MemberFactory,
    UnitFactory,
    UserFactory,
    WorkRecordFactory,
)


def test_township_staff_admin_change_page_of_another_township_is_404(as_user, outsider, east_team):
    outsider.is_staff = True
    outsider.save()
    url = reverse("admin:teams_team_change", args=[east_team.pk])
    assert as_user(outsider).get(url).status_code == 404


def test_county_officer_sees_only_their_county_in_the_admin(
    as_user, county_officer, other_county_officer, east_team
):
    MemberFactory(team=east_team, name="本县成员")
    response = as_user(other_county_officer).get(reverse("admin:teams_member_changelist"))
    assert response.status_code == 200
    assert "本县成员" not in response.content.decode()
    url = reverse("admin:teams_team_change", args=[east_team.pk])
    assert as_user(other_county_officer).get(url).status_code == 404
    response = as_user(county_officer).get(reverse("admin:teams_member_changelist"))
    assert "本县成员" in response.content.decode()


def test_city_officer_reads_but_cannot_change_in_the_admin(as_user, city_officer, east_team):
    client = as_user(city_officer)
    url = reverse("admin:teams_team_change", args=[east_team.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"established": "2020-01-01"})
    assert response.status_code == 403
    east_team.refresh_from_db()
    assert east_team.established.year == 2016


def test_a_raw_id_field_does_not_name_a_row_of_another_county(
    as_user, county_officer, other_county_officer, east_team
):
    secretary = UserFactory(username="east_secretary_li", area=east_team.township)
    url = reverse("admin:teams_workrecord_add") + f"?created_by={secretary.pk}"
    assert "east_secretary_li" not in as_user(other_county_officer).get(url).content.decode()
    assert "east_secretary_li" in as_user(county_officer).get(url).content.decode()


def test_county_officer_sees_and_edits_the_members_inline_of_a_team(
    as_user, county_officer, east_team
):
    MemberFactory(team=east_team, name="内联成员")
    response = as_user(county_officer).get(reverse("admin:teams_team_change", args=[east_team.pk]))
    assert "内联成员" in response.content.decode()
    assert response.context["inline_admin_formsets"][0].has_change_permission


def test_city_officer_sees_the_members_inline_read_only(as_user, city_officer, east_team):
    MemberFactory(team=east_team, name="只读成员")
    response = as_user(city_officer).get(reverse("admin:teams_team_change", args=[east_team.pk]))
    assert "只读成员" in response.content.decode()
    assert not response.context["inline_admin_formsets"][0].has_change_permission


def test_admin_links_attachments_to_the_scoped_download_and_deletes_them_with_their_file(
    as_user,
    county_officer,
    city_officer,
    east_team,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    record = WorkRecordFactory(team=east_team, title="工作部署会")
    attachment = WorkRecordAttachment.objects.create(
        record=record, file=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    url = reverse("admin:teams_workrecord_change", args=[record.pk])
    for user in (county_officer, city_officer):
        page = as_user(user).get(url).content.decode()
        assert f'<a href="{attachment.get_absolute_url()}">会议纪要.pdf</a>' in page
        assert f'href="{attachment.file.url}"' not in page
        assert "/media/" not in page

    stored = tmp_path / attachment.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(county_officer).post(
            url,
            {
                "team": east_team.pk,
                "date": "2017-03-15",
                "kind": "meeting",
                "title": "工作部署会",
                "content": "研究部署帮扶工作",
                "version": record.version,
                "attachments-TOTAL_FORMS": "1",
                "attachments-INITIAL_FORMS": "1",
                "attachments-0-id": attachment.pk,
                "attachments-0-record": record.pk,
                "attachments-0-DELETE": "on",
            },
        )
    assert response.status_code == 302
    assert not WorkRecordAttachment.objects.exists()
    assert not stored.exists()


def test_a_county_office_reads_but_cannot_change_or_delete_the_units_above_it(
    as_user, county_officer
):
    """County officers changed a province or city dispatching unit, moved it into their county,
    or deleted an unused one."""
    province = UnitFactory(
        name="省直单位", level=Unit.Level.PROVINCIAL, area=AreaFactory(code="44")
    )
    own = UnitFactory(name="县直单位")
    client = as_user(county_officer)
    change = reverse("admin:teams_unit_change", args=[province.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    data = {"name": "被改名", "level": Unit.Level.COUNTY, "area": "449901", "head": ""}
    assert client.post(change, data).status_code == 403
    delete = reverse("admin:teams_unit_delete", args=[province.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    province.refresh_from_db()
    assert (province.name, province.area_id) == ("省直单位", "44")
    own_page = client.get(reverse("admin:teams_unit_change", args=[own.pk])).content.decode()
    assert 'name="_save"' in own_page
