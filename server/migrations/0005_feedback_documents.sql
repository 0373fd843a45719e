-- One feedback document per (portfolio, thread, author): registering the same
-- pair twice (two tabs, a retry) yields the first document, never a second.
CREATE UNIQUE INDEX documents_feedback_author ON documents (portfolio_id, thread_id, author) WHERE kind = 'feedback';
