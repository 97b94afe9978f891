import { routeOf } from '../../commands/listener-routes';

describe('routeOf', () => {
  const routes = { '/incident': 'incident', ack: 'ack', 'checklist_confirm:': 'confirm' };

  it('takes a name its own route', () => {
    expect(routeOf(routes, '/incident')).toBe('incident');
    expect(routeOf(routes, 'ack')).toBe('ack');
  });

  it('takes a name with a colon the route of its prefix', () => {
    expect(routeOf(routes, 'checklist_confirm:item-7')).toBe('confirm');
    expect(routeOf(routes, 'checklist_confirm:')).toBe('confirm');
  });

  it('answers nothing for other names, inherited keys or a prefix without its colon', () => {
    for (const name of [
      '/incidents',
      'ACK',
      'ack:1',
      'checklist_confirm',
      'constructor',
      'toString',
      ':x',
      '',
    ])
      expect(routeOf(routes, name)).toBeUndefined();
  });
});
