-- Which appliance this database is. Every sandbox container carries this id in a label, so
-- an appliance's reaper and an evaluation's cancel touch only their own containers when
-- another appliance (or a second test session) uses the same Docker engine. One row.

CREATE TABLE appliance_instance (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    id uuid NOT NULL DEFAULT gen_random_uuid()
);

INSERT INTO appliance_instance DEFAULT VALUES;
