import { z } from 'zod';
import { WebhookEventType } from '../../generated/prisma/enums.ts';
import { checkOutboundUrl } from './outbound-address.ts';

const endpointUrl = (allowPrivate: boolean) =>
  z
    .string()
    .trim()
    .max(2048, 'must be at most 2048 characters')
    .transform((value, ctx) => {
      const checked = checkOutboundUrl(value, allowPrivate);
      if (!checked.ok) {
        ctx.addIssue({ code: 'custom', message: checked.message });
        return z.NEVER;
      }
      return checked.value;
    });

const eventTypes = z
  .array(z.enum(WebhookEventType))
  .min(1, 'must name at least one event type')
  .transform((types) => [...new Set(types)]);

const id = z.uuid('is not a webhook endpoint id');

export const createWebhookEndpointInput = (allowPrivate: boolean) => z.object({ url: endpointUrl(allowPrivate), eventTypes });

export const updateWebhookEndpointInput = (allowPrivate: boolean) =>
  z
    .object({ id, url: endpointUrl(allowPrivate).optional(), eventTypes: eventTypes.optional(), enabled: z.boolean().optional() })
    .refine((input) => input.url !== undefined || input.eventTypes !== undefined || input.enabled !== undefined, {
      message: 'give at least one of url, eventTypes, enabled',
      path: ['input'],
    });
