import { builder } from './builder.ts';
import './types/errors.ts';
import './types/enums.ts';
import './types/api-key.ts';
import './types/organization.ts';
import './types/viewer.ts';
import './types/audit-event.ts';
import './types/connection.ts';
import './types/user-key.ts';
import './types/verification.ts';
import './types/events.ts';
import './types/signing.ts';
import './types/webhook-endpoint.ts';
import './types/webhook-delivery.ts';
import './types/request-log.ts';
import './types/session.ts';
import './types/member.ts';

export const schema = builder.toSchema({ sortSchema: true });
