package io.k0rdent.api.verticles.http;

/** {@link IpamServerEventsHttpContract} on the in-memory store (as {@code dev} runs). */
class InMemoryIpamServerEventsHttpTest extends IpamServerEventsHttpContract {}
