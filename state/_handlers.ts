/**
 * The handler table type: one function per `Command.payload` case.
 *
 * @module
 */
import type { Command } from "../proto/mod.ts";
import type { ApplyContext, HandlerResult } from "./_apply_context.ts";

/** Every payload of a command. */
export type CommandPayload = NonNullable<Command["payload"]>;

/** One payload case name. */
export type PayloadCase = CommandPayload["$case"];

/** The value of a payload case. */
export type PayloadValue<C extends PayloadCase> = Extract<CommandPayload, { $case: C }>["value"];

/** Handlers for some payload cases. */
export type Handlers<C extends PayloadCase> = {
  [K in C]: (context: ApplyContext, value: PayloadValue<K>) => HandlerResult;
};
