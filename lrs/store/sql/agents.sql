-- What the LRS knows about an Agent: the statements that mention it.

-- name: recent_statements_of_agent
-- Payloads of the latest $3 statements mentioning the agent (any usage), newest first.
SELECT s.payload::text AS payload
FROM (
    SELECT DISTINCT statement_seq
    FROM statement_agents
    WHERE store_id = $1 AND agent_ifi = $2
    ORDER BY statement_seq DESC
    LIMIT $3
) AS mentions
JOIN statements AS s ON s.store_id = $1 AND s.seq = mentions.statement_seq
ORDER BY s.seq DESC;
