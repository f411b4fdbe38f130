// 移交: the case closes this task because an arbiter reassigned its linkage. Whatever window the
// task waits in, it closes (each window's isOpen follows the status), and the row and the trail
// say where it went.
import { condition, setHandler } from '@temporalio/workflow';
import { run } from '../acts.js';
import { taskTransferSignal } from '../contracts.js';
import type { TaskRun } from './state.js';

export function handleTransfer(t: TaskRun): void {
  setHandler(taskTransferSignal, async ({ linkageId, toDepartment, toTaskId, actor, reason }) => {
    if (t.status === 'closed') return; // a result came first: nothing to move
    t.outcome = 'transferred';
    t.outcomeReason = `transferred to ${toDepartment}: ${reason}`;
    t.moveTo('closed', `transferred to ${toDepartment} (${toTaskId})`);
    await condition(() => t.opened); // its row is written before it is closed
    await run('closeTransferred', `transferred to ${toDepartment}`, { taskId: t.taskId, applicationNo: t.fileNo, linkageId, toDepartment, toTaskId, actor, reason });
  });
}
