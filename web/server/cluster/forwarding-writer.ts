/**
 * "One node writes, the others forward and mirror", once, for every feature that has a single
 * writer among the web nodes (incidents and dispatch today).
 *
 * The node holding the writer lease (cluster-bus.ts) carries out commands, stores their changes
 * and publishes them; every other node mirrors the published changes for its own clients and
 * forwards its users' commands to the writer, which answers with the result or the refusal. A
 * node alone (no channel) is the writer. When a node becomes the writer, the feature may take
 * its state over from what it mirrored before it starts writing; when it stops, the feature
 * steps down to mirroring.
 *
 * A feature describes itself as a {@link WriterRole}: which commands and changes are its own,
 * how it carries out a command (its result or refusal, as the answer the wire carries), and how
 * it mirrors a change. Commands run through the same answer whether they ran here or on another
 * node, so a refusal reads the same either way.
 */
import type { TwinWriterChannel } from './cluster-bus.ts';
import type { WriterAnswer, WriterChange, WriterCommand } from './cluster-messages.ts';

export interface WriterRole<Command extends WriterCommand, Change extends WriterChange> {
  /** The feature, in log lines ("incidents", "dispatch"). */
  readonly name: string;
  /** Whether a forwarded command is this feature's. */
  handles(command: WriterCommand): command is Command;
  /** Whether a change batch from the writer is this feature's. */
  mirrors(change: WriterChange): change is Change;
  /** Carries out a command on the writer: its result, or its refusal, as an answer. */
  execute(command: Command): Promise<WriterAnswer>;
  /** A batch of the writer's changes, on another node. */
  mirror(change: Change): void;
  /** Before this node writes: reads what taking over needs (the writer may still change meanwhile). */
  prepareTakeOver?(): Promise<void>;
  /** This node writes from now on: take the state over from the mirror. */
  takeOver?(): void;
  /** This node no longer writes: what it shows becomes the mirror of the writer's. */
  stepDown?(): void;
}

export class ForwardingWriter<Command extends WriterCommand, Change extends WriterChange> {
  private channel: TwinWriterChannel | null = null;
  private writing = true;

  constructor(private readonly role: WriterRole<Command, Change>) {}

  /** Whether this node writes this feature (always, on a node alone). */
  isWriter(): boolean {
    return this.writing;
  }

  /** Whether this node is one of several (commands may be forwarded, changes are published). */
  inCluster(): boolean {
    return this.channel !== null;
  }

  /**
   * Joins a cluster's writer channel: the writer serves this feature's forwarded commands, the
   * other nodes mirror its changes; the role follows the lease as it moves.
   */
  attach(channel: TwinWriterChannel): void {
    this.channel = channel;
    channel.onChanges((change) => {
      // A writer's own state is the one that counts; another's batch (two writers for a moment
      // while a lease lapses) is not mixed into it.
      if (!this.writing && this.role.mirrors(change)) this.role.mirror(change);
    });
    channel.serve(async (command) => {
      if (!this.writing || !this.role.handles(command)) return null;
      return this.role.execute(command);
    });
    channel.onWriterChange((writer) => void (writer ? this.becomeWriter() : this.stopWriting()));
    if (!channel.isWriter()) this.stopWriting();
  }

  /**
   * Carries out a command where the writer is: here when this node writes, else forwarded to
   * the writer. Rejects with NoWriterError (cluster-bus.ts) when no writer answers.
   */
  async run(command: Command): Promise<WriterAnswer> {
    if (this.writing || !this.channel) return this.role.execute(command);
    return this.channel.forward(command);
  }

  /** Sends the writer's changes to the other nodes (nothing on a node alone or a node that does not write). */
  publish(change: Change): void {
    if (this.writing) this.channel?.publish(change);
  }

  private stopWriting(): void {
    if (!this.writing) return;
    this.writing = false;
    this.role.stepDown?.();
  }

  private async becomeWriter(): Promise<void> {
    await this.role.prepareTakeOver?.();
    // The lease may have moved on while the role prepared.
    if (!this.channel?.isWriter() || this.writing) return;
    this.role.takeOver?.();
    this.writing = true;
  }
}
