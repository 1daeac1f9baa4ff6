/**
 * Web nodes joined by memory instead of Redis, for tests: the same TwinWriterChannel the Redis
 * lease provides (cluster-bus.ts) — the project's own adapter interface — with every message
 * passed as the JSON the wire carries and validated on receipt as there.
 */
import { NoWriterError, type TwinWriterChannel } from './cluster-bus.ts';
import {
  decodeClusterNotice,
  decodeWriterAnswer,
  decodeWriterChange,
  decodeWriterCommand,
  encodeClusterMessage,
  type ClusterNotice,
  type WriterAnswer,
  type WriterChange,
  type WriterCommand,
} from './cluster-messages.ts';

export class MemoryCluster {
  private writer: number | null = null;
  private readonly nodes: Array<{
    writerListeners: Array<(w: boolean) => void>;
    changeListeners: Array<(c: WriterChange) => void>;
    handlers: Array<(c: WriterCommand) => Promise<WriterAnswer | null>>;
    noticeListeners: Array<(n: ClusterNotice) => void>;
  }> = [];

  channel(): TwinWriterChannel {
    const me = this.nodes.push({ writerListeners: [], changeListeners: [], handlers: [], noticeListeners: [] }) - 1;
    const node = this.nodes[me]!;
    return {
      isWriter: () => this.writer === me,
      onWriterChange: (l) => void node.writerListeners.push(l),
      publish: (change) => {
        const text = encodeClusterMessage(change);
        this.nodes.forEach((n, i) => {
          if (i !== me) for (const l of n.changeListeners) l(decodeWriterChange(text));
        });
      },
      onChanges: (l) => void node.changeListeners.push(l),
      serve: (h) => void node.handlers.push(h),
      announce: (notice) => {
        const text = encodeClusterMessage(notice);
        this.nodes.forEach((n, i) => {
          if (i !== me) for (const l of n.noticeListeners) l(decodeClusterNotice(text));
        });
      },
      onNotice: (l) => void node.noticeListeners.push(l),
      forward: async (command) => {
        const text = encodeClusterMessage(command);
        if (this.writer === null) throw new NoWriterError('no node holds the twin-writer lease right now');
        for (const h of this.nodes[this.writer]!.handlers) {
          let answer: WriterAnswer | null;
          try {
            answer = await h(decodeWriterCommand(text));
          } catch (err) {
            // As the Redis bus answers a handler that threw.
            answer = { kind: 'failed', message: (err as Error).message };
          }
          if (answer) return decodeWriterAnswer(encodeClusterMessage(answer));
        }
        throw new NoWriterError('no node holds the twin-writer lease right now');
      },
    };
  }

  /** Moves the lease to node `index` (null: nobody), telling the nodes that lose or gain it. */
  lease(index: number | null): void {
    const before = this.writer;
    this.writer = index;
    if (before !== null && before !== index) for (const l of this.nodes[before]!.writerListeners) l(false);
    if (index !== null && index !== before) for (const l of this.nodes[index]!.writerListeners) l(true);
  }
}
