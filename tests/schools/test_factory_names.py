"""The factories' staff and guardian family names never contain a student's (see the factories):
checked against every family name Faker can give a student."""

from faker.providers.person.sv_SE import Provider

from tests.schools.factories import GUARDIAN_FAMILY_NAMES, STAFF_FAMILY_NAMES


def test_no_student_family_name_is_part_of_a_staff_or_guardian_name():
    student_names = {name.lower() for name in Provider.last_names}
    assert len(student_names) > 100
    clashes = [
        (adult, student)
        for adult in STAFF_FAMILY_NAMES + GUARDIAN_FAMILY_NAMES
        for student in student_names
        if student in adult.lower()
    ]
    assert clashes == []
