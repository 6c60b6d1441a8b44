import type { Plugin } from 'graphql-yoga';
import type { ConsentView } from '../domain/connection/connection.service.ts';
import type { Services } from '../context.ts';
import { escapeHtml, page } from './pages.ts';

/**
 * The pages a user sees from Keyward's emails: `/consent/<token>` (GET shows the question, a POST
 * answers it: a link preview or a mail scanner following the GET decides nothing) and `/signup`.
 */
function decodeToken(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

const unknownLink = () => page(404, 'Unknown link', '<p>This consent link is not valid. Check that you copied all of it.</p>');

function render(view: ConsentView, token: string): Response {
  switch (view.state) {
    case 'OPEN': {
      const env = view.environment === 'TEST' ? ' <strong>(test environment)</strong>' : '';
      return page(
        200,
        `Connect ${view.organizationName}?`,
        `<p><strong>${escapeHtml(view.organizationName)}</strong>${env} asks to act for you through your account
<strong>${escapeHtml(view.email)}</strong>.</p>
<form method="post" action="/consent/${encodeURIComponent(token)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="decline">Decline</button></form>`,
      );
    }
    case 'APPROVED':
      return page(200, 'Connected', `<p>${escapeHtml(view.organizationName)} is now connected to your account.</p>`);
    case 'DECLINED':
      return page(200, 'Declined', `<p>You declined. ${escapeHtml(view.organizationName)} was not connected.</p>`);
    case 'USED':
      return page(410, 'This link was already used', '<p>This consent link has been used already. Nothing else to do here.</p>');
    case 'EXPIRED':
      return page(410, 'This link has expired', '<p>Consent links work for 24 hours. Ask the app you were connecting to send a new one.</p>');
    case 'UNKNOWN':
      return unknownLink();
  }
}

export function consentPagesPlugin(services: Services): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      if (url.pathname === '/signup') {
        endResponse(page(200, 'Finish signing up', '<p>Sign up and verify your identity with the platform. We will email you once you are verified.</p>'));
        return undefined;
      }
      const match = /^\/consent\/([^/]+)$/.exec(url.pathname);
      if (!match) return undefined;
      // A link mangled in transit (a broken %-escape) is an unknown link, not a server error.
      const token = decodeToken(match[1]!);
      if (token === null) {
        endResponse(unknownLink());
        return undefined;
      }
      // Whatever fails below, the user sees a page with this page's headers, never a stack.
      const failed = (error: unknown): Response => {
        services.logger.error({ err: error }, 'consent page failed');
        return page(500, 'Something went wrong', '<p>Please try again in a moment.</p>');
      };
      if (request.method === 'GET' || request.method === 'HEAD') {
        return services.connections
          .viewConsent(token)
          .then((view) => render(view, token), failed)
          .then(endResponse);
      }
      if (request.method !== 'POST') {
        endResponse(page(405, 'Method not allowed', '<p>Open the link from your email.</p>', { allow: 'GET, POST' }));
        return undefined;
      }
      return request
        .formData()
        .then((form) => {
          const decision = form.get('decision');
          if (decision !== 'approve' && decision !== 'decline') {
            return page(400, 'Choose approve or decline', '<p>The form was incomplete. Go back and choose an answer.</p>');
          }
          return services.connections.answerConsent(token, decision).then((view) => render(view, token), failed);
        })
        .catch((error: unknown) => {
          services.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'consent answer failed');
          return page(400, 'Something went wrong', '<p>Your answer could not be read. Go back and try again.</p>');
        })
        .then(endResponse);
    },
  };
}
