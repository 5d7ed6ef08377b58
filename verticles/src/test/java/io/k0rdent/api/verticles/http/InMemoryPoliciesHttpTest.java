package io.k0rdent.api.verticles.http;

/** {@link PoliciesHttpContract} against the in-memory store. */
class InMemoryPoliciesHttpTest extends PoliciesHttpContract {}
