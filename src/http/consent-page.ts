import type { Plugin } from 'graphql-yoga';
import type { ConsentView } from '../domain/connection/connection.service.ts';
import type { Services } from '../context.ts';
import { escapeHtml, linkPagesPlugin, page } from './pages.ts';

/**
 * The pages a user sees from Keyward's emails: `/consent/<token>` (GET shows the question, a POST
 * answers it: a link preview or a mail scanner following the GET decides nothing) and `/signup`.
 */
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
  const links = linkPagesPlugin(services.logger, {
    prefix: '/consent/',
    name: 'consent',
    unknown: unknownLink,
    show: (token) => services.connections.viewConsent(token).then((view) => render(view, token)),
    answer: (token, request) =>
      request.formData().then(
        (form) => {
          const decision = form.get('decision');
          if (decision !== 'approve' && decision !== 'decline') {
            return page(400, 'Choose approve or decline', '<p>The form was incomplete. Go back and choose an answer.</p>');
          }
          return services.connections.answerConsent(token, decision).then((view) => render(view, token));
        },
        (error: unknown) => {
          services.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'consent answer failed');
          return page(400, 'Something went wrong', '<p>Your answer could not be read. Go back and try again.</p>');
        },
      ),
  });
  return {
    onRequest(payload) {
      if (payload.url.pathname === '/signup') {
        payload.endResponse(
          page(200, 'Finish signing up', '<p>Sign up and verify your identity with the platform. We will email you once you are verified.</p>'),
        );
        return undefined;
      }
      return links.onRequest?.(payload);
    },
  };
}
