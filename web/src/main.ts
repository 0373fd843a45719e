// Folio's browser app: boots the wasm core, then hands over to the router.
// Screens live in ./views (one file each), shared pieces in ./components.
import init, { version } from '../pkg/folio_wasm.js';
import { startApp, type View } from './app';
import { h } from './dom';
import type { Route } from './router';
import { accessView } from './views/access';
import { dashboardView } from './views/dashboard';
import { inviteView } from './views/invite';
import { linkView } from './views/link';
import { notFoundView } from './views/notfound';
import { portfolioView } from './views/portfolio';
import { reviewerView } from './views/reviewer';
import { securityView } from './views/security';
import { accountView } from './views/account';
import { outboxView } from './views/outbox';
import { shareView } from './views/share';
import { signInView } from './views/signin';
import { viewAsView } from './views/viewas';
import { tokensView } from './views/tokens';
import { orgsView } from './views/orgs';

const views: Record<Route['name'], View> = {
  home: dashboardView,
  signin: signInView,
  invite: inviteView,
  link: linkView,
  view: reviewerView,
  portfolio: portfolioView,
  share: shareView,
  access: accessView,
  viewAs: viewAsView,
  security: securityView,
  account: accountView,
  outbox: outboxView,
  tokens: tokensView,
  orgs: orgsView,
  notFound: notFoundView,
};

const root = document.querySelector<HTMLDivElement>('#app')!;
await init();
const ctx = startApp(root, (r) => views[r.name], () =>
  h('footer', {}, `${ctx.t('rulesVersion')}: `, h('span', { id: 'rules-version' }, version())));
await ctx.refresh();
root.dataset.ready = 'true';
