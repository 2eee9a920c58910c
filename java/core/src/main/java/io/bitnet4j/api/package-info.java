/**
 * The high-level Java API: open a model ({@link io.bitnet4j.api.BitnetModel#open}), then
 * {@link io.bitnet4j.api.BitnetModel#generate generate}, {@link io.bitnet4j.api.BitnetModel#stream stream} or
 * {@link io.bitnet4j.api.BitnetModel#chat chat} from any number of threads; requests are decoded together by one
 * continuous batcher. The engine's low-level classes ({@code io.bitnet4j.engine}, {@code graph},
 * {@code generation}) remain public for what this API does not cover.
 */
package io.bitnet4j.api;
