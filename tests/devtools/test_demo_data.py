"""Demo data: `bekitu demo-data` loads a plausible, deterministic East Kazakhstan oblast."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.iin import make_iin, validate_iin
from bekitu.core.models import AuditEntry
from bekitu.devtools.demo import names
from bekitu.devtools.demo.households import age_on
from bekitu.devtools.demo.plan import COLUMNS, Ids, partition
from bekitu.devtools.demo.population import IinIssuer, Population
from bekitu.devtools.demo.reference import build_reference
from bekitu.devtools.demo.writer import MODELS
from bekitu.registry.models import (
    Address,
    Attachment,
    District,
    Locality,
    Person,
    PersonRelation,
    Provider,
    ServiceArea,
    Street,
)

AS_OF = dt.date(2026, 3, 2)
PERSONS = 300
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CHILD_KIND = District.Kind.PAEDIATRIC
ADULT_KINDS = {District.Kind.GP, District.Kind.THERAPIST}
Generated = tuple[Population, list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _load(persons: int = PERSONS, seed: int = 7, *flags: str, chunk: int = 120) -> str:
    out = io.StringIO()
    call_command(
        "demo-data",
        f"--persons={persons}",
        f"--seed={seed}",
        f"--as-of={AS_OF}",
        "--no-progress",
        f"--chunk={chunk}",
        *flags,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def loaded(db: None) -> str:
    return _load()


# --- with a database -------------------------------------------------------------------------


def test_loads_the_persons_asked_for_and_8_to_15_providers_with_every_kind_of_district(
    loaded: str,
) -> None:
    assert Person.objects.count() == PERSONS
    assert 8 <= Provider.objects.count() <= 15
    kinds = set(District.objects.values_list("kind", flat=True))
    assert kinds == {District.Kind.GP, District.Kind.THERAPIST, District.Kind.PAEDIATRIC}
    assert not District.objects.filter(doctor__isnull=True).exists()
    assert Locality.objects.filter(name_ru="Усть-Каменогорск", name_kk="Өскемен").exists()
    assert Address.objects.count() == Person.objects.values("address").distinct().count()
    assert f"Loaded {PERSONS} persons" in loaded


def test_one_audit_row_records_the_whole_load_with_its_counts(loaded: str) -> None:
    row = AuditEntry.objects.get(action="registry.demo_data.load")
    assert row.data["persons"] == PERSONS and row.data["seed"] == 7
    assert row.data["rows"]["person"] == PERSONS
    assert row.data["rows"]["attachment"] == Attachment.objects.count()


def test_every_iin_and_bin_is_valid_and_iins_carry_birth_date_and_sex(loaded: str) -> None:
    for iin, birth, sex in Person.objects.values_list("iin", "birth_date", "sex"):
        check = validate_iin(iin)
        assert check.valid, iin
        assert (check.birth_date_hint, check.sex_hint) == (birth, sex)
    for bin_ in Provider.objects.values_list("bin", flat=True):
        assert validate_iin(bin_).valid, bin_


def test_names_are_written_with_kazakh_letters(loaded: str) -> None:
    people = " ".join(
        f"{s} {g} {p}"
        for s, g, p in Person.objects.values_list("surname", "given_name", "patronymic")
    )
    assert KAZAKH_LETTERS & set(people)
    streets = "".join(Street.objects.values_list("name_kk", flat=True))
    assert KAZAKH_LETTERS & set(streets)
    assert all(KAZAKH_LETTERS & set(n) for n in Provider.objects.values_list("name_kk", flat=True))


def _coverage() -> dict[tuple[int, str], list[tuple[int, int, int]]]:
    ranges: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
    areas = ServiceArea.objects.values_list(
        "street_id", "district__kind", "house_from", "house_to", "district_id"
    )
    for street, kind, low, high, district in areas:
        group = "child" if kind == CHILD_KIND else "adult"
        ranges[(street, group)].append((low, high, district))
    return ranges


def _covering(ranges: list[tuple[int, int, int]], house: int) -> set[int]:
    return {district for low, high, district in ranges if low <= house <= high}


def test_every_address_is_covered_by_one_adult_and_one_paediatric_district(loaded: str) -> None:
    ranges = _coverage()
    for street, house in Address.objects.values_list("street_id", "house"):
        assert len(_covering(ranges[(street, "adult")], house)) == 1
        assert len(_covering(ranges[(street, "child")], house)) == 1


def test_most_living_persons_hold_one_open_attachment_and_nobody_two(loaded: str) -> None:
    open_ = Attachment.objects.filter(valid_to__isnull=True)
    most = open_.values("person").annotate(n=Count("id")).order_by("-n").first()
    assert most is not None and most["n"] == 1
    living = Person.objects.filter(death_date__isnull=True, emigrated_on__isnull=True).count()
    assert open_.count() >= 0.85 * living
    assert not open_.filter(Q(person__death_date__isnull=False)).exists()


def test_open_attachments_go_to_the_covering_district_of_the_right_kind(loaded: str) -> None:
    ranges = _coverage()
    rows = Attachment.objects.filter(valid_to__isnull=True).values_list(
        "person__birth_date", "district__kind", "district_id", "district__provider_id",
        "provider_id", "person__address__street_id", "person__address__house", "reason",
    )  # fmt: skip
    children = 0
    for birth, kind, district, district_provider, provider, street, house, reason in rows:
        child = age_on(birth, AS_OF) < 18
        children += child
        assert (kind == CHILD_KIND) if child else (kind in ADULT_KINDS)
        assert district in _covering(ranges[(street, "child" if child else "adult")], house)
        assert district_provider == provider
        assert reason in (Attachment.Reason.INITIAL, Attachment.Reason.CHOICE)
    assert children > 0


def test_closed_attachments_end_at_death_departure_or_a_transfer(loaded: str) -> None:
    for attachment in Attachment.objects.filter(valid_to__isnull=False).select_related("person"):
        person = attachment.person
        ends: dict[str, dt.date | None] = {
            Attachment.EndReason.DEATH: person.death_date,
            Attachment.EndReason.LEFT_COUNTRY: person.emigrated_on,
        }
        if attachment.end_reason == Attachment.EndReason.TRANSFER:
            ends["transfer"] = person.attachments.get(valid_to__isnull=True).valid_from
        expected = ends[attachment.end_reason]
        assert attachment.valid_to is not None and attachment.valid_to == expected
        assert attachment.valid_from < attachment.valid_to


def test_children_are_linked_to_parents_older_than_themselves(loaded: str) -> None:
    relations = PersonRelation.objects.filter(kind="parent").values_list(
        "person__birth_date", "relative__birth_date", "person__address", "relative__address"
    )
    assert relations
    for child_born, parent_born, child_home, parent_home in relations:
        assert parent_born < child_born and child_home == parent_home


def _dump() -> dict[str, list[tuple[object, ...]]]:
    return {
        table: list(model._default_manager.order_by("id").values_list(*COLUMNS[table]))
        for table, model in MODELS.items()
    }


def _wipe() -> None:
    for table in ("attachment", "personrelation", "person", "address", "servicearea"):
        MODELS[table]._default_manager.all().delete()
    District.objects.all().delete()
    for table in ("doctor", "provider", "street", "locality"):
        MODELS[table]._default_manager.all().delete()


@pytest.mark.django_db
def test_one_seed_gives_the_same_data_whatever_the_chunk_and_another_seed_not() -> None:
    _load(seed=11)
    first = _dump()
    _wipe()
    _load(seed=11, chunk=7)
    assert _dump() == first
    _wipe()
    _load(seed=12)
    assert _dump()["person"] != first["person"]


def test_if_empty_leaves_a_filled_register_alone_and_without_it_the_load_refuses(
    loaded: str,
) -> None:
    message = _load(50, 8, "--if-empty")
    assert "Nothing loaded" in message
    assert Person.objects.count() == PERSONS
    with pytest.raises(CommandError):
        _load(50, 8)
    assert Person.objects.count() == PERSONS


@pytest.mark.django_db
def test_if_empty_loads_into_an_empty_register() -> None:
    _load(40, 3, "--if-empty")
    assert Person.objects.count() == 40


@pytest.mark.django_db
def test_if_empty_also_skips_when_only_the_demo_reference_data_is_there() -> None:
    _load(0, 3)
    assert "Nothing loaded" in _load(40, 3, "--if-empty")
    assert Person.objects.count() == 0 and Provider.objects.exists()


# --- without a database: the generator itself ------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> Generated:
    ids = Ids({table: 1 for table in COLUMNS})
    plan, _ = build_reference(persons=20_000, rng=random.Random("r"), ids=ids)
    population = Population(
        plan=plan, rng=random.Random("p"), as_of=AS_OF, ids=ids, tz=ZoneInfo("Asia/Almaty")
    )
    persons, attachments = [], []
    for rows in population.chunks(20_000, 5_000):
        persons += rows["person"]
        attachments += rows["attachment"]
    return population, persons, attachments


def test_the_population_has_every_status_deaths_guardians_and_history(generated: Generated) -> None:
    population, persons, _ = generated
    statuses = Counter(p[7] for p in persons)
    assert set(statuses) == {"citizen", "kandas", "refugee", "residence_permit", "temporary"}
    assert statuses["citizen"] > 0.9 * len(persons)
    for figure in ("deceased", "emigrated", "guardianship", "history", "uninsured"):
        assert population.stats[figure] > 0, figure
    assert len({p[1] for p in persons}) == len(persons)


def test_uninsured_temporary_residents_are_not_attached(generated: Generated) -> None:
    _, persons, attachments = generated
    uninsured = [p for p in persons if not p[9]]
    assert uninsured and {p[7] for p in uninsured} == {"temporary"}
    assert not {p[0] for p in uninsured} & {a[1] for a in attachments}


def test_the_age_pyramid_is_plausible_for_east_kazakhstan(generated: Generated) -> None:
    _, persons, _ = generated
    ages = [age_on(p[5], AS_OF) for p in persons]
    children, elderly = sum(a < 18 for a in ages), sum(a >= 65 for a in ages)
    assert 0.2 < children / len(ages) < 0.35
    assert 0.06 < elderly / len(ages) < 0.2
    assert max(ages) < 105 and min(ages) >= 0


def test_female_surnames_and_patronymics_follow_kazakh_and_russian_rules() -> None:
    assert names.female_surname("Ахметов") == "Ахметова"
    assert names.female_surname("Соловьёв") == "Соловьёва"
    assert names.female_surname("Никитин") == "Никитина"
    assert names.female_surname("Высоцкий") == "Высоцкая"
    assert names.female_surname("Шевченко") == "Шевченко"
    assert names.patronymic("kazakh", "Серік", "male", kazakh_form=True) == "Серікұлы"
    assert names.patronymic("kazakh", "Серік", "female", kazakh_form=True) == "Серікқызы"
    assert names.patronymic("kazakh", "Нұрлан", "female", kazakh_form=False) == "Нурлановна"
    assert names.patronymic("russian", "Илья", "female", kazakh_form=False) == "Ильинична"
    assert names.patronymic("russian", "Николай", "male", kazakh_form=False) == "Николаевич"
    uly = names.Lineage("kazakh", "Ахметов", "uly")
    assert names.surname(uly, "female", "Ерлан", uly_allowed=True) == "Ерланқызы"
    assert names.surname(uly, "female", "Ерлан", uly_allowed=False) == "Ахметова"


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=60), st.data())
def test_partition_gives_every_part_a_contiguous_nonempty_run(
    weights: list[float], data: st.DataObject
) -> None:
    shares = data.draw(st.lists(st.floats(0.1, 5), min_size=1, max_size=len(weights)))
    parts = partition(weights, shares)
    assert len(parts) == len(weights)
    assert parts[0] == 0 and parts[-1] == len(shares) - 1
    assert all(b - a in (0, 1) for a, b in itertools.pairwise(parts))


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    sex=st.sampled_from(["male", "female"]),
)
def test_the_iin_issuer_gives_the_usable_serials_in_order(birth: dt.date, sex: str) -> None:
    issuer = IinIssuer()
    issued = [issuer.issue(birth, sex) for _ in range(30)]
    serial = 1000 + birth.toordinal() * 37 % 4000 + 500 * (sex == "female")
    expected = []
    while len(expected) < 30:
        iin = make_iin(birth, "female" if sex == "female" else "male", serial)
        serial += 1
        if iin is not None:
            expected.append(iin)
    assert issued == expected


def test_generators_side_by_side_make_distinct_persons_addresses_and_ids() -> None:
    ids = Ids({table: 1 for table in COLUMNS})
    plan, _ = build_reference(persons=6_000, rng=random.Random("r"), ids=ids)
    made: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for lane in range(2):
        population = Population(
            plan=plan, rng=random.Random(f"p{lane}"), as_of=AS_OF, ids=ids.lane(lane, 2),
            tz=ZoneInfo("Asia/Almaty"), lane=lane, lanes=2,
        )  # fmt: skip
        for rows in population.chunks(3_000, 1_000):
            for table, values in rows.items():
                made[table] += values
    for table, values in made.items():
        assert len({row[0] for row in values}) == len(values), table
    assert sorted(row[0] for row in made["person"]) == list(range(1, 6_001))
    assert len({row[1] for row in made["person"]}) == 6_000  # IINs
    dwellings = [row[1:] for row in made["address"]]
    assert len(set(dwellings)) == len(dwellings)
