"""PostgreSQL: `bekitu_audit_append`, which chains a chain's new audit rows onto its head,
inserts them and moves the head, all in one statement (`core.audit._append_postgresql`).

A read's audit row is then one round trip to the server, committed on its own, instead of
BEGIN, the head's lock, the insert, the head's update and COMMIT. The row's hash is the same
SHA-256 of the same canonical JSON: the caller sends the JSON before and after the two values
only the head knows (the previous hash and the sequence number) and the server joins them.
SQLite keeps the appends in Python."""

from django.db import migrations

APPEND = r"""
CREATE OR REPLACE FUNCTION bekitu_audit_append(
    p_chain integer, p_before bytea[], p_after bytea[], p_at timestamptz[], p_actor text[],
    p_on_behalf_of text[], p_channel text[], p_action text[], p_object_type text[],
    p_object_id text[], p_subject_iin text[], p_data jsonb[]
) RETURNS TABLE (entry_id bigint, entry_seq bigint, entry_prev_hash text, entry_hash text)
LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    SELECT h.last_seq, h.last_hash INTO head_seq, head_hash
    FROM core_auditchainhead h WHERE h.id = p_chain FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO core_auditchainhead (id, last_seq, last_hash)
        VALUES (p_chain, 0, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
        SELECT h.last_seq, h.last_hash INTO head_seq, head_hash
        FROM core_auditchainhead h WHERE h.id = p_chain FOR UPDATE;
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_before, 1), 0) LOOP
        entry_seq := head_seq + 1;
        entry_prev_hash := head_hash;
        entry_hash := encode(sha256(
            p_before[i] || convert_to(head_hash || '","seq":' || entry_seq::text, 'UTF8')
            || p_after[i]
        ), 'hex');
        INSERT INTO core_auditentry (
            chain, seq, "at", actor, on_behalf_of, channel, action, object_type, object_id,
            subject_iin, data, prev_hash, hash
        ) VALUES (
            p_chain, entry_seq, p_at[i], p_actor[i], p_on_behalf_of[i], p_channel[i],
            p_action[i], p_object_type[i], p_object_id[i], p_subject_iin[i], p_data[i],
            entry_prev_hash, entry_hash
        ) RETURNING id INTO entry_id;
        head_seq := entry_seq;
        head_hash := entry_hash;
        RETURN NEXT;
    END LOOP;
    UPDATE core_auditchainhead SET last_seq = head_seq, last_hash = head_hash
    WHERE id = p_chain;
END
$$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS bekitu_audit_append(integer, bytea[], bytea[], timestamptz[], "
    "text[], text[], text[], text[], text[], text[], text[], jsonb[])"
)


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND)


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_security_counter")]

    operations = [migrations.RunPython(_create, _drop)]
