"""The columns of the named queries, in order: the public contract every query test checks."""

CONTRACT = {
    "agreements": ["agreement", "label", "date", "place", "article"],
    "members": ["agreement", "agreementLabel", "member", "memberLabel", "iso3"],
    "officials": ["person", "name", "role", "affiliation", "affiliationLabel"],
    "quotes": ["speaker", "speakerName", "text", "article"],
    "commitments": ["agreement", "agreementLabel", "text"],
    "figures": ["text", "value", "unit", "measures", "article"],
    "events": ["event", "type", "label", "date", "place", "participants"],
    "evidence": ["subject", "predicate", "object", "sentence", "article"],
    "actors": ["actor", "label", "type", "articles"],
}
