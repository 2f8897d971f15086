// The shapes of the AiMS endpoints (/v1/aims...), as the server's schemas (src/server/v1/aims-schemas.ts).

export interface AimsConsumer {
  consumerId: string;
  topic: string;
  groupId: string;
  active: boolean;
  /** ms since the epoch; absent: never read. */
  lastReadAt?: number;
  bytesRead: number;
  recordsRead: number;
  activeDays: number;
  createdAt: string;
  companyname: string;
  contactname: string;
  contactemail: string;
}

export interface AimsProducer {
  topic: string;
  producerId?: string;
  active: boolean;
  solution?: string;
  lastWriteAt?: number;
  bytesWritten: number;
  recordsWritten: number;
  activeDays: number;
  records: number;
  consumers: number;
  companyname: string;
  contactname: string;
  location: string;
  description: string;
}

export interface AimsOverview {
  cluster: {
    backbone: string;
    topics: number;
    consumers: number;
    groups: number;
    activeConsumers: number;
    activeTopics: number;
    bytesIn: number;
    bytesOut: number;
  };
  consumers: AimsConsumer[];
  producers: AimsProducer[];
}

export interface ActivationRequest {
  active: boolean;
  consumers?: string[];
  topics?: string[];
}

export interface AimsRule {
  enabled: boolean;
  days: number;
  enabledAt?: number;
}

export interface AimsRules {
  alertTopic: string;
  consumerIdle: AimsRule;
  unreadSolutions: AimsRule;
  /** Who the alerts are also mailed to (the server's alertMail settings allow their domains). */
  alertEmails: string[];
  /** At most one mail per kind of alert this often. */
  emailFrequencySeconds: number;
}

export interface AimsRulesChange {
  alertTopic?: string;
  consumerIdle?: { enabled?: boolean; days?: number };
  unreadSolutions?: { enabled?: boolean; days?: number };
  alertEmails?: string[];
  emailFrequencySeconds?: number;
}

export interface AimsAlert {
  kind: 'consumer-idle' | 'solution-paused' | 'solution-resumed';
  at: number;
  consumerId?: string;
  solution?: string;
  topic?: string;
  idleDays?: number;
  lastReadAt?: number;
}

export interface AimsRun {
  at: number;
  alerts: AimsAlert[];
  paused: string[];
  resumed: string[];
  /** The mail of the alerts, when the rules name recipients: sent 0 or 1, and why not. */
  mail?: { sent: number; reason?: string };
}
