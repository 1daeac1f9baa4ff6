import { describe, expect, it } from 'vitest';
import { actionDetailLabel, actionWhatLabel } from './action-labels.ts';
import { recordActorLabel, recordDetailLabel } from './record-details.ts';

describe('recorded details in words', () => {
  it('words the security log’s forms with roles and token kinds as labels', () => {
    expect(recordDetailLabel('security', 'user_created', 'walk-crew roles field,operator', 'zh')).toBe('walk-crew，角色：现场队伍、值班员');
    expect(recordDetailLabel('security', 'token_use', 'display 64b70105fc95', 'zh')).toBe('大屏令牌 64b70105fc95');
    expect(recordDetailLabel('security', 'token_created', 'display 64b7 "wall" roles display 90 days', 'en')).toBe(
      'display token 64b7 "wall", roles: Display, valid 90 days',
    );
    expect(recordDetailLabel('security', 'token_revoked', 'token ab12 of op-li', 'zh')).toBe('op-li 的API 令牌 ab12');
    expect(recordDetailLabel('audit', 'started', 'audit chain e656 begins', 'zh')).toBe('审计链 e656 开始');
    expect(recordDetailLabel('config', 'changed', 'something new', 'zh')).toBe('something new');
  });

  it('words the first start and a register change, and keeps a change of another form as recorded', () => {
    expect(recordDetailLabel('config', 'changed', 'first start', 'zh')).toBe('首次启动');
    expect(recordDetailLabel('config', 'field_unit', '(unbound)', 'zh')).toBe('已解除绑定');
    expect(recordDetailLabel('config', 'case_department', '(unbound)', 'en')).toBe('binding removed');
    expect(recordDetailLabel('city', 'registers_changed', 'sensors +3000 ~0 -0 =0; units +186 ~0 -0 =0', 'zh')).toBe(
      '传感器：新增 3000，变更 0，退役 0，不变 0；力量：新增 186，变更 0，退役 0，不变 0',
    );
    expect(recordDetailLabel('city', 'registers_changed', 'sensors +1 ~3 -2 =25 (moved 2, renamed 1)', 'en')).toBe(
      'sensors: 1 added, 3 changed, 2 retired, 25 unchanged (moved 2, renamed 1)',
    );
    expect(recordDetailLabel('city', 'registers_changed', 'sensors +1 ~3 -2 =25; gizmos +1', 'en')).toBe('sensors +1 ~3 -2 =25; gizmos +1');
  });

  it('words a channel’s test message and its outcome, the receiver’s error as it said it', () => {
    expect(recordDetailLabel('config', 'notify_tested', 'test message through email channel ops-mail to user:wang: delivered', 'zh')).toBe(
      '通过邮件渠道 ops-mail 向 user:wang 发送测试消息：已送达',
    );
    expect(
      recordDetailLabel(
        'config',
        'notify_tested',
        'test message through webhook channel ops-hook to user:admin: dead (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)',
        'zh',
      ),
    ).toBe('通过网络回调渠道 ops-hook 向 user:admin 发送测试消息：无法送达（ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9）');
    expect(recordDetailLabel('config', 'notify_tested', 'test message through sms channel gw to user:li: failed (HTTP 410)', 'en')).toBe(
      'test message through text message channel gw to user:li: refused (HTTP 410)',
    );
  });

  it('words the automatic actors and leaves people’s names', () => {
    expect(recordActorLabel('system', 'zh')).toBe('系统');
    expect(recordActorLabel('twin', 'zh')).toBe('孪生系统');
    expect(recordActorLabel('op-li', 'zh')).toBe('op-li');
  });

  it('words replay actions: incident steps, dispatch actions, unit statuses and the recommended unit', () => {
    expect(actionWhatLabel('incident', 'acknowledged', 'zh')).toBe('确认');
    expect(actionWhatLabel('dispatch', 'recommend', 'zh')).toBe('查看推荐');
    expect(actionDetailLabel('dispatch', 'status', 'available → dispatched', 'zh')).toBe('空闲 → 已派遣');
    expect(actionDetailLabel('dispatch', 'override', 'recommended pump-1; closer by road', 'zh')).toBe('推荐 pump-1、closer by road');
  });
});
