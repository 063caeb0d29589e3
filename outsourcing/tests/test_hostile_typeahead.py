"""Hostile input to the type-ahead searches (outsourcing/typeahead.py): whatever the query
string holds, a page or a refusal, never a 500, nothing written, everything escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from outsourcing.tests.hostile import check_get, hostile_choice, hostile_text, sign_in

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

SEARCHES = ["people_search", "vendors:vendor_search", "engagements:engagement_search"]
IDS = st.one_of(
    st.sampled_from(["-1", "0", "1", "99999999999999999999", "abc", "1e3", "", "½"]),
    hostile_text(max_size=30),
)


@pytest.mark.parametrize("search", SEARCHES)
@given(
    # The widget always names its field; everything else may be anything, or missing.
    params=st.fixed_dictionaries(
        {"field": st.just("owner"), "id": st.just("id_owner")},
        optional={
            "q": hostile_text(),
            "among": hostile_choice(["managers", "colleagues", "scorers", "awardable"]),
            "multiple": hostile_choice(["1"]),
            "choose": IDS,
            "drop": IDS,
            "owner": st.lists(IDS, max_size=3),
        },
    )
)
def test_a_search_survives_a_hostile_query(
    search: str, params: dict[str, Any], viewer: Any, client: Any
) -> None:
    sign_in(client, viewer)
    assert check_get(client, reverse(search), params) == 200
