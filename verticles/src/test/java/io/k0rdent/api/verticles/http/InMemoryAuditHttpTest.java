package io.k0rdent.api.verticles.http;

/** {@link AuditHttpContract} against the in-memory store. */
class InMemoryAuditHttpTest extends AuditHttpContract {}
